package io.sparkllama.format;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or tokenizer file that cannot be read: wrong magic, truncated, inconsistent or
 * unsupported content. The message always names the file and says what is wrong.
 */
public class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message is {@code "<file>: <problem>"}. */
    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** Creates an exception with a cause, for I/O errors met while reading {@code file}. */
    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
