package io.sparkllama.format;

import java.nio.file.Path;
import java.util.Map;

/**
 * An opened model file of any supported format, seen through GGUF's vocabulary: metadata keys
 * such as {@code llama.embedding_length} and tensor names such as {@code blk.0.attn_q.weight}.
 * Readers of other formats translate to these names, so the model is built one way.
 */
public interface ModelFile extends AutoCloseable {

    /** The file this was read from. */
    Path path();

    /** Short description of the format, e.g. "GGUF v3" or "llama2.c v0". */
    String format();

    /** Metadata, GGUF keys; values are {@link Long}, {@link Float}, {@link Double}, {@link Boolean}, {@link String} or {@link GgufArray}. */
    Map<String, Object> metadata();

    /** Tensor infos by name, in file order. */
    Map<String, TensorInfo> tensors();

    /** Reads one tensor's values into heap arrays. */
    TensorData read(TensorInfo tensor) throws ModelFormatException;

    /** A format error about this file. */
    default ModelFormatException error(String problem) {
        return new ModelFormatException(path(), problem);
    }

    @Override
    void close();
}
