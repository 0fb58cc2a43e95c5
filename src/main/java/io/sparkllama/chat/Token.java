package io.sparkllama.chat;

/**
 * One lexer token.
 *
 * @param kind  what it is
 * @param text  the source text (for DATA and STRING the decoded text)
 * @param value the literal value of INTEGER (Long), FLOAT (Double) and STRING tokens, else null
 * @param pos   where it starts
 */
record Token(Kind kind, String text, Object value, Pos pos) {
    enum Kind { DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isOperator(String op) {
        return is(Kind.OPERATOR, op);
    }

    boolean isName(String name) {
        return is(Kind.NAME, name);
    }

    /** How error messages name the token, as Jinja2 does. */
    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case VARIABLE_END -> "end of print statement";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_BEGIN -> "begin of print statement";
            case BLOCK_BEGIN -> "begin of statement block";
            case STRING -> "string";
            case DATA -> "template data";
            default -> "'" + text + "'";
        };
    }
}
