package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python's string operations where Java's differ: whitespace is {@code str.isspace()} (which
 * includes U+00A0 and U+3000 but not U+200B), indexing and ordering go by code point, and
 * {@code title}, {@code capitalize}, {@code split} and {@code repr} follow CPython.
 */
final class PyStr {
    private PyStr() {
    }

    /** Python's {@code str.isspace()} for one code point (also what {@code \s} matches). */
    static boolean isSpace(int c) {
        if (c < 128) {
            return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x1f);
        }
        return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
                || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /** {@code s.strip(chars)}, {@code lstrip} or {@code rstrip}; {@code chars} null strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        while (left && start < end && stripped(s.codePointAt(start), chars)) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && stripped(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** The characters (code points) of {@code s}, each as a string. */
    static List<Object> characters(String s) {
        List<Object> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            out.add(new String(Character.toChars(s.codePointAt(i))));
        }
        return out;
    }

    /** Ordering by code point, as Python compares strings (UTF-16 order differs above U+FFFF). */
    static int compare(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i), y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** {@code s.upper()} and {@code s.lower()} (full case mappings, locale independent). */
    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** {@code s.title()}: a cased character after an uncased one is title-cased, every other lower-cased. */
    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int c = s.codePointAt(i);
            if (previousCased) {
                b.append(lower(new String(Character.toChars(c))));
            } else {
                b.appendCodePoint(Character.toTitleCase(c));
            }
            previousCased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
        }
        return b.toString();
    }

    /** {@code s.capitalize()}: the first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new String(Character.toChars(Character.toTitleCase(first))) + lower(s.substring(Character.charCount(first)));
    }

    /** {@code s.split(sep, maxsplit)}; {@code sep} null splits on runs of whitespace and drops empty parts. */
    static List<Object> split(String s, String sep, long maxSplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(s.substring(i));
                    return out;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        checkSeparator(sep);
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxSplit < 0 || out.size() < maxSplit); at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** {@code s.rsplit(sep, maxsplit)}: like {@link #split} but counting splits from the right. */
    static List<Object> rsplit(String s, String sep, long maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, -1);
        }
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j == 0) {
                    break;
                }
                if (out.size() == maxSplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(s.substring(i, j));
                j = i;
            }
        } else {
            checkSeparator(sep);
            int end = s.length();
            for (int at = s.lastIndexOf(sep, end - sep.length()); at >= 0 && out.size() < maxSplit;
                    at = s.lastIndexOf(sep, end - sep.length())) {
                out.add(s.substring(at + sep.length(), end));
                end = at;
            }
            out.add(s.substring(0, end));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    private static void checkSeparator(String sep) {
        if (sep.isEmpty()) {
            throw new JinjaError("empty separator");
        }
    }

    /** {@code s.splitlines(keepends)}: \n, \r, \r\n and Python's other line boundaries. */
    static List<Object> splitLines(String s, boolean keepEnds) {
        List<Object> out = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                int end = i + (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n' ? 2 : 1);
                out.add(s.substring(start, keepEnds ? end : i));
                start = i = end;
            } else {
                i++;
            }
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static boolean isLineBreak(char c) {
        return (c >= '\n' && c <= '\r') || (c >= 0x1c && c <= 0x1e) || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    /** {@code repr(s)}: single quotes unless the text has one and no double quote; escapes as CPython. */
    static String repr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int c = s.codePointAt(i);
            if (c == quote || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c >= 0x20 && c < 0x7f || (c > 0x7f && printable(c))) {
                b.appendCodePoint(c);
            } else if (c <= 0xff) {
                b.append(String.format(Locale.ROOT, "\\x%02x", c));
            } else if (c <= 0xffff) {
                b.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                b.append(String.format(Locale.ROOT, "\\U%08x", c));
            }
        }
        return b.append(quote).toString();
    }

    /** Python's {@code str.isprintable()} for a non-ASCII code point. */
    private static boolean printable(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
