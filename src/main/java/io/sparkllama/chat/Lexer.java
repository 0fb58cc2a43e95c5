package io.sparkllama.chat;

import io.sparkllama.chat.Token.Kind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Splits a template into tokens as Jinja2's lexer does with {@code trim_blocks=True,
 * lstrip_blocks=True}: text, {@code {{ }}} and {@code {% %}} delimiters with the expression
 * tokens between them; comments vanish and {@code {% raw %}} bodies become text. Whitespace
 * control is applied here: a {@code -} strips all whitespace on its side, trim_blocks drops the
 * newline after a block or comment tag, lstrip_blocks drops the spaces and tabs before one on its
 * line, and {@code +} turns the latter two off for one tag.
 */
final class Lexer {
    private static final String[] TWO_CHAR_OPERATORS = {"//", "**", "==", "!=", ">=", "<="};
    private static final String ONE_CHAR_OPERATORS = "+-/*%~[](){}><=.:|,;";

    private final String src;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /** Whether the last consumed text ended a line (lstrip_blocks also applies at such a start). */
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.src = source;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < source.length(); i++) {
            if (source.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The tokens of {@code template}, ending with EOF. */
    static List<Token> tokenize(String template) {
        Lexer lexer = new Lexer(normalizeNewlines(template));
        lexer.run();
        return lexer.tokens;
    }

    /** Jinja2 reads \r\n and \r as \n and drops one trailing newline (keep_trailing_newline=False). */
    static String normalizeNewlines(String s) {
        String n = s.indexOf('\r') < 0 ? s : s.replace("\r\n", "\n").replace('\r', '\n');
        return n.endsWith("\n") ? n.substring(0, n.length() - 1) : n;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int tag = nextTag(pos);
            if (tag < 0) {
                add(Kind.DATA, src.substring(pos), null, pos);
                break;
            }
            char type = src.charAt(tag + 1);
            int afterSign = tag + 2;
            char sign = afterSign < n && (src.charAt(afterSign) == '-' || src.charAt(afterSign) == '+') ? src.charAt(afterSign) : 0;
            int rawEnd = type == '%' ? rawBegin(tag) : -1;
            String text = strippedText(src.substring(pos, tag), sign, type != '{');
            if (!text.isEmpty()) {
                add(Kind.DATA, text, null, pos);
            }
            if (rawEnd >= 0) {
                raw(tag, rawEnd);
                continue;
            }
            pos = afterSign + (sign != 0 ? 1 : 0);
            if (type == '#') {
                comment(tag);
            } else {
                tag(type == '%' ? Kind.BLOCK_BEGIN : Kind.VARIABLE_BEGIN, tag);
            }
        }
        add(Kind.EOF, "", null, src.length());
    }

    /** The first "{{", "{%" or "{#" at or after {@code from}, or -1. */
    private int nextTag(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The text before a tag after whitespace control: "-" strips it all, lstrip_blocks the indentation. */
    private String strippedText(String text, char sign, boolean lstripApplies) {
        if (sign == '-') {
            return PyStr.strip(text, null, false, true);
        }
        if (sign == '+' || !lstripApplies) {
            return text;
        }
        int lineStart = text.lastIndexOf('\n') + 1;
        if ((lineStart > 0 || lineStarting) && lineStart < text.length() && isBlank(text, lineStart)) {
            return text.substring(0, lineStart);
        }
        return text;
    }

    private static boolean isBlank(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!PyStr.isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** If a {@code {% raw %}} tag starts at {@code tag}, where it ends, else -1. */
    private int rawBegin(int tag) {
        int i = tag + 2;
        if (i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+')) {
            i++;
        }
        i = skipSpace(i);
        if (!src.startsWith("raw", i)) {
            return -1;
        }
        i = skipSpace(i + 3);
        if (src.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        return src.startsWith("%}", i) ? i + 2 : -1; // no trim_blocks newline after {% raw %}, as in Jinja2
    }

    private void raw(int tag, int bodyStart) {
        for (int end = src.indexOf("{%", bodyStart); end >= 0; end = src.indexOf("{%", end + 1)) {
            int i = end + 2;
            char sign = i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+') ? src.charAt(i) : 0;
            i = skipSpace(i + (sign != 0 ? 1 : 0));
            if (!src.startsWith("endraw", i)) {
                continue;
            }
            int close = blockEnd(skipSpace(i + 6));
            if (close < 0) {
                continue;
            }
            lineStarting = bodyStart > 0 && src.charAt(bodyStart - 1) == '\n';
            String text = strippedText(src.substring(bodyStart, end), sign, true);
            if (!text.isEmpty()) {
                add(Kind.DATA, text, null, bodyStart);
            }
            pos = close;
            lineStarting = src.charAt(close - 1) == '\n';
            return;
        }
        throw error(tag, "missing end of raw directive ({% endraw %})");
    }

    private void comment(int tag) {
        int close = src.indexOf("#}", pos);
        if (close < 0) {
            throw error(tag, "missing end of comment tag");
        }
        char before = close - 1 >= pos ? src.charAt(close - 1) : 0;
        int end = close + 2;
        if (before == '-') {
            end = skipSpace(end);
        } else if (before != '+' && end < src.length() && src.charAt(end) == '\n') {
            end++; // trim_blocks
        }
        pos = end;
        lineStarting = src.charAt(end - 1) == '\n';
    }

    /** The tokens of one {@code {% %}} or {@code {{ }}} tag; its end delimiter only counts outside brackets. */
    private void tag(Kind begin, int tagStart) {
        add(begin, src.substring(tagStart, pos), null, tagStart);
        Kind endKind = begin == Kind.BLOCK_BEGIN ? Kind.BLOCK_END : Kind.VARIABLE_END;
        Deque<Character> brackets = new ArrayDeque<>();
        while (true) {
            pos = skipSpace(pos);
            if (pos >= src.length()) {
                throw error(tagStart, "unexpected end of template: the tag opened here is never closed");
            }
            if (brackets.isEmpty()) {
                int end = endKind == Kind.BLOCK_END ? blockEnd(pos) : variableEnd(pos);
                if (end >= 0) {
                    add(endKind, src.substring(pos, end), null, pos);
                    pos = end;
                    lineStarting = src.charAt(end - 1) == '\n';
                    return;
                }
            }
            char c = src.charAt(pos);
            if (c >= '0' && c <= '9') {
                number();
            } else if (c == '_' || Character.isLetter(c)) {
                int start = pos;
                while (pos < src.length() && (src.charAt(pos) == '_' || Character.isLetterOrDigit(src.charAt(pos)))) {
                    pos++;
                }
                add(Kind.NAME, src.substring(start, pos), null, start);
            } else if (c == '\'' || c == '"') {
                string();
            } else {
                operator(brackets);
            }
        }
    }

    /** End of a block tag at {@code i}: "+%}", "-%}" and the whitespace after, or "%}" and one newline; else -1. */
    private int blockEnd(int i) {
        if (src.startsWith("+%}", i)) {
            return i + 3;
        }
        if (src.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (src.startsWith("%}", i)) {
            return i + 2 < src.length() && src.charAt(i + 2) == '\n' ? i + 3 : i + 2;
        }
        return -1;
    }

    private int variableEnd(int i) {
        if (src.startsWith("-}}", i)) {
            return skipSpace(i + 3);
        }
        return src.startsWith("}}", i) ? i + 2 : -1;
    }

    private int skipSpace(int i) {
        while (i < src.length() && PyStr.isSpace(src.charAt(i))) {
            i++;
        }
        return i;
    }

    private void number() {
        int start = pos;
        digits();
        boolean isFloat = false;
        boolean afterDot = !tokens.isEmpty() && tokens.get(tokens.size() - 1).isOperator(".");
        if (!afterDot && pos + 1 < src.length() && src.charAt(pos) == '.' && isDigit(pos + 1)) {
            pos++;
            digits();
            isFloat = true;
        }
        if (!afterDot && pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) {
                e++;
            }
            if (isDigit(e)) {
                pos = e;
                digits();
                isFloat = true;
            }
        }
        String text = src.substring(start, pos);
        String clean = text.replace("_", "");
        if (isFloat) {
            add(Kind.FLOAT, text, Double.parseDouble(clean), start);
            return;
        }
        try {
            add(Kind.INTEGER, text, Long.parseLong(clean), start);
        } catch (NumberFormatException e) {
            throw error(start, "integer literal " + text + " is too large");
        }
    }

    private void digits() {
        while (pos < src.length() && (isDigit(pos) || (src.charAt(pos) == '_' && isDigit(pos + 1)))) {
            pos++;
        }
    }

    private boolean isDigit(int i) {
        return i < src.length() && src.charAt(i) >= '0' && src.charAt(i) <= '9';
    }

    private void string() {
        int start = pos;
        char quote = src.charAt(pos++);
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw error(start, "unterminated string literal");
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c != '\\') {
                b.append(c);
            } else if (pos >= src.length()) {
                throw error(start, "unterminated string literal");
            } else {
                escape(b, start);
            }
        }
        add(Kind.STRING, b.toString(), b.toString(), start);
    }

    /** One backslash escape of a string literal, decoded as Python's unicode-escape codec does. */
    private void escape(StringBuilder b, int literalStart) {
        char e = src.charAt(pos++);
        switch (e) {
            case 'n' -> b.append('\n');
            case 't' -> b.append('\t');
            case 'r' -> b.append('\r');
            case '\\', '\'', '"' -> b.append(e);
            case 'a' -> b.append('\u0007');
            case 'b' -> b.append('\b');
            case 'f' -> b.append('\f');
            case 'v' -> b.append('\u000b');
            case '\n' -> { } // a backslash at the end of a line continues the string
            case 'x' -> b.appendCodePoint(hex(2, literalStart));
            case 'u' -> b.appendCodePoint(hex(4, literalStart));
            case 'U' -> b.appendCodePoint(hex(8, literalStart));
            default -> {
                if (e >= '0' && e <= '7') {
                    int v = e - '0';
                    for (int k = 0; k < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; k++) {
                        v = v * 8 + src.charAt(pos++) - '0';
                    }
                    b.append((char) v);
                } else if (e == 'N') {
                    throw error(pos - 2, "\\N{...} escapes are not supported");
                } else {
                    b.append('\\').append(e); // Python keeps unknown escapes as they are
                }
            }
        }
    }

    private int hex(int digits, int literalStart) {
        if (pos + digits > src.length()) {
            throw error(literalStart, "truncated \\x, \\u or \\U escape in a string literal");
        }
        try {
            int v = Integer.parseUnsignedInt(src.substring(pos, pos + digits), 16);
            if (v > Character.MAX_CODE_POINT) {
                throw new NumberFormatException();
            }
            pos += digits;
            return v;
        } catch (NumberFormatException ex) {
            throw error(pos, "bad \\x, \\u or \\U escape in a string literal");
        }
    }

    private void operator(Deque<Character> brackets) {
        int start = pos;
        for (String op : TWO_CHAR_OPERATORS) {
            if (src.startsWith(op, pos)) {
                pos += 2;
                add(Kind.OPERATOR, op, null, start);
                return;
            }
        }
        char c = src.charAt(pos);
        if (ONE_CHAR_OPERATORS.indexOf(c) < 0) {
            throw error(pos, "unexpected character '" + c + "'");
        }
        if (c == '(' || c == '[' || c == '{') {
            brackets.push(c == '(' ? ')' : c == '[' ? ']' : '}');
        } else if (c == ')' || c == ']' || c == '}') {
            if (brackets.isEmpty()) {
                throw error(pos, "unexpected '" + c + "'");
            }
            char expected = brackets.pop();
            if (c != expected) {
                throw error(pos, "unexpected '" + c + "', expected '" + expected + "'");
            }
        }
        pos++;
        add(Kind.OPERATOR, String.valueOf(c), null, start);
    }

    private void add(Kind kind, String text, Object value, int at) {
        tokens.add(new Token(kind, text, value, position(at)));
    }

    Pos position(int offset) {
        int line = java.util.Arrays.binarySearch(lineStarts, offset);
        if (line < 0) {
            line = -line - 2;
        }
        return new Pos(line + 1, offset - lineStarts[line] + 1);
    }

    private ChatTemplateException error(int offset, String what) {
        return ChatTemplateException.at(position(offset), what);
    }
}
