package io.sparkllama.chat;

/**
 * A template that cannot be parsed or rendered. The message says what went wrong and where
 * ({@code line L, column C} of the template), except for {@code raise_exception(msg)}, whose
 * message is exactly {@code msg} as the template wrote it (Jinja2's TemplateError does the same).
 */
public final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    ChatTemplateException(String message, int line, int column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    /** An error about the template text at {@code pos}. */
    static ChatTemplateException at(Pos pos, String what) {
        return new ChatTemplateException(what + " (template line " + pos.line() + ", column " + pos.column() + ")",
                pos.line(), pos.column());
    }

    /** The template called {@code raise_exception(message)} at {@code pos}. */
    static ChatTemplateException raised(Pos pos, String message) {
        return new ChatTemplateException(message, pos.line(), pos.column());
    }

    /** 1-based line of the template where the error is, or 0 when it concerns no place in it. */
    public int line() {
        return line;
    }

    /** 1-based column of the template where the error is, or 0 when it concerns no place in it. */
    public int column() {
        return column;
    }
}
