package io.sparkllama.model;

import io.sparkllama.format.GgufVocabulary;
import io.sparkllama.format.Llama2cTokenizerReader;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;
import io.sparkllama.format.ModelFormatException;
import io.sparkllama.tokenizer.Tokenizer;
import io.sparkllama.tokenizer.Vocabulary;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a model file and its tokenizer, checking that they fit each other and the heap. */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * Loads {@code modelPath} (GGUF or llama2.c). The tokenizer comes from {@code tokenizerPath}
     * when given (a llama2.c tokenizer.bin, or a GGUF file whose vocabulary is used), else from
     * the GGUF file itself, else from a {@code tokenizer.bin} beside a llama2.c checkpoint.
     */
    public static LoadedModel load(Path modelPath, Path tokenizerPath) throws ModelFormatException {
        long start = System.nanoTime();
        try (ModelFile file = ModelFiles.open(modelPath)) {
            LlamaConfig config = LlamaConfig.read(file);
            Vocabulary vocab = vocabulary(file, config, tokenizerPath);
            checkHeap(file);
            LlamaWeights weights = LlamaWeights.read(file, config);
            LlamaModel model = new LlamaModel(config, weights);
            Object template = file.metadata().get("tokenizer.chat_template");
            return new LoadedModel(modelPath, file.format(), model, Tokenizer.of(vocab),
                    (System.nanoTime() - start) / 1_000_000, template instanceof String t ? t : null);
        }
    }

    private static Vocabulary vocabulary(ModelFile file, LlamaConfig config, Path tokenizerPath) throws ModelFormatException {
        Vocabulary vocab;
        Path source;
        if (tokenizerPath != null) {
            source = tokenizerPath;
            vocab = ModelFiles.readTokenizer(tokenizerPath, config.vocabSize());
        } else if (GgufVocabulary.present(file)) {
            source = file.path();
            vocab = GgufVocabulary.read(file);
        } else {
            Path sibling = file.path().toAbsolutePath().resolveSibling("tokenizer.bin");
            if (!Files.isRegularFile(sibling)) {
                throw file.error("has no embedded tokenizer and there is no tokenizer.bin beside it; "
                        + "give the tokenizer file (llama2.c tokenizer.bin) explicitly");
            }
            source = sibling;
            vocab = Llama2cTokenizerReader.read(sibling, config.vocabSize());
        }
        if (vocab.size() != config.vocabSize()) {
            throw new ModelFormatException(source, "tokenizer has " + vocab.size() + " tokens but the model "
                    + file.path().getFileName() + " has a vocabulary of " + config.vocabSize()
                    + ": the tokenizer does not fit the model");
        }
        return vocab;
    }

    /** Fails before reading weights that cannot fit in the heap that is left. */
    private static void checkHeap(ModelFile file) throws ModelFormatException {
        long need = LlamaWeights.estimateBytes(file) + LlamaWeights.loadingBytes(file);
        Runtime rt = Runtime.getRuntime();
        long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > available) {
            throw file.error(String.format("weights need %,d MB of heap but only %,d MB are available "
                    + "(max heap %,d MB); raise -Xmx or use a smaller or more quantized model",
                    need >> 20, available >> 20, rt.maxMemory() >> 20));
        }
    }
}
