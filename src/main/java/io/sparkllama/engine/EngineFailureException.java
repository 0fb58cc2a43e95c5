package io.sparkllama.engine;

/**
 * A request could not finish because the engine, not the request, failed: a step threw (for
 * example an {@link OutOfMemoryError}), or the engine was closed first. Request futures complete
 * exceptionally with it, so that callers can retry the work (Spark retries the task) instead of
 * recording an error for input that may be fine.
 */
public final class EngineFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EngineFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
