package io.sparkllama.cli;

/** A bad command line: unknown command or option, missing or malformed value. Exit status 2. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
