package io.sparkllama.chat;

/**
 * A runtime error found by value code that does not know where in the template it is; the
 * evaluator turns it into a {@link ChatTemplateException} at the expression being evaluated.
 */
final class JinjaError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether the template raised it with {@code raise_exception(msg)}: then the message is the template's own. */
    final boolean raisedByTemplate;

    JinjaError(String message) {
        this(message, false);
    }

    JinjaError(String message, boolean raisedByTemplate) {
        super(message, null, false, false);
        this.raisedByTemplate = raisedByTemplate;
    }
}
