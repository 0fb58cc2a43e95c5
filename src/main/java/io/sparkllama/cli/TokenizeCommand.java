package io.sparkllama.cli;

import io.sparkllama.format.GgufVocabulary;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;
import io.sparkllama.format.ModelFormatException;
import io.sparkllama.json.Json;
import io.sparkllama.model.LlamaConfig;
import io.sparkllama.tokenizer.Tokenizer;
import io.sparkllama.tokenizer.Vocabulary;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code tokenize}: prints a text's token ids (BOS first) as a JSON array on one line. */
final class TokenizeCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "text");
    }

    @Override
    public Set<String> flags() {
        return Set.of("no-bos", "special");
    }

    @Override
    public String usage() {
        return "  tokenize (--model FILE | --tokenizer FILE) --text TEXT [--no-bos] [--special]   token ids as a JSON array\n"
                + "\n"
                + "  --model FILE      GGUF file with an embedded tokenizer, or a llama2.c checkpoint (with --tokenizer)\n"
                + "  --tokenizer FILE  llama2.c tokenizer.bin, or a GGUF file whose vocabulary to use\n"
                + "  --text TEXT       the text to encode\n"
                + "  --no-bos          do not start with BOS (default: BOS when the vocabulary adds one)\n"
                + "  --special         special-token texts (e.g. <|eot_id|>) become those tokens, as in chat prompts\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        String text = o.require("text");
        if (!o.has("model") && !o.has("tokenizer")) {
            throw new UsageException("tokenize: give --model or --tokenizer");
        }
        Tokenizer tok = Tokenizer.of(vocabulary(o.path("model"), o.path("tokenizer")));
        boolean bos = tok.vocabulary().addBos() && !o.has("no-bos");
        out.println(Json.toJson(tok.encode(text, bos, false, o.has("special"))));
        return 0;
    }

    /** The vocabulary, without loading any weights. */
    static Vocabulary vocabulary(Path model, Path tokenizer) throws ModelFormatException {
        if (model == null) {
            return ModelFiles.readTokenizer(tokenizer, -1);
        }
        try (ModelFile f = ModelFiles.open(model)) {
            if (tokenizer != null) {
                return ModelFiles.readTokenizer(tokenizer, LlamaConfig.read(f).vocabSize());
            }
            if (!GgufVocabulary.present(f)) {
                throw f.error("has no embedded tokenizer; give --tokenizer");
            }
            return GgufVocabulary.read(f);
        }
    }
}
