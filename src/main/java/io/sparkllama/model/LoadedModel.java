package io.sparkllama.model;

import io.sparkllama.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * A model ready to run: the network, its tokenizer, and where they came from.
 *
 * @param path        the model file
 * @param format      the file's format, e.g. "GGUF v3"
 * @param model       configuration, weights and forward pass
 * @param tokenizer   the tokenizer (embedded in a GGUF file or read from a llama2.c tokenizer.bin)
 * @param loadMillis  wall time of loading
 * @param chatTemplate the file's chat template ({@code tokenizer.chat_template}, Jinja), or null
 */
public record LoadedModel(Path path, String format, LlamaModel model, Tokenizer tokenizer, long loadMillis,
                          String chatTemplate) {

    public LlamaConfig config() {
        return model.config();
    }

    /** One line describing the model, for logs. */
    public String describe() {
        LlamaConfig c = config();
        return String.format("%s (%s): dim %d, %d layers, %d heads / %d kv heads, hidden %d, vocab %d, context %d, "
                        + "weights %s %.1f MB",
                path.getFileName(), format, c.dim(), c.layers(), c.heads(), c.kvHeads(), c.hiddenDim(), c.vocabSize(),
                c.contextLength(), model.weights().layers()[0].wq().type(), model.weights().bytes() / 1e6);
    }
}
