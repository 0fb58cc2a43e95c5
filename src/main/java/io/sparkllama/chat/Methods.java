package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Python methods of str, dict, list and tuple values ({@code message.content.strip()},
 * {@code d.items()}). Every Python method name resolves, so {@code x.zfill is defined} is true as
 * in Python; the ones not implemented here fail when called, and the ones that modify a list or
 * dict are unsafe in Jinja2's immutable sandbox and fail the same way there.
 */
final class Methods {
    private static final Set<String> STR = Set.of("capitalize", "casefold", "center", "count", "encode", "endswith",
            "expandtabs", "find", "format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit",
            "isidentifier", "islower", "isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower",
            "lstrip", "maketrans", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
            "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "translate",
            "upper", "zfill");
    private static final Set<String> DICT = Set.of("clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem",
            "setdefault", "update", "values");
    private static final Set<String> LIST = Set.of("append", "clear", "copy", "count", "extend", "index", "insert", "pop",
            "remove", "reverse", "sort");
    private static final Set<String> TUPLE = Set.of("count", "index");
    private static final Set<String> MUTATING = Set.of("append", "clear", "extend", "insert", "pop", "remove", "reverse",
            "sort", "popitem", "setdefault", "update");

    /** What a method implementation returns for a Python method it does not implement (null is None). */
    private static final Object NOT_IMPLEMENTED = new Object();

    private Methods() {
    }

    /**
     * The attribute {@code name} of {@code receiver} if it names a method of its type: a callable,
     * or for a mutating method an undefined that explains the sandbox refuses it. Null otherwise.
     */
    static Object attribute(Object receiver, String name) {
        Set<String> names = receiver instanceof String ? STR : receiver instanceof Map ? DICT
                : receiver instanceof Tuple ? TUPLE : receiver instanceof List && !(receiver instanceof PyRange) ? LIST : null;
        if (names == null || !names.contains(name)) {
            return null;
        }
        if (MUTATING.contains(name) && !(receiver instanceof String)) {
            return Undefined.because("access to attribute '" + name + "' of '" + Py.typeName(receiver) + "' object is unsafe.");
        }
        return new Bound(receiver, name);
    }

    /** A method bound to its receiver, as {@code "a".upper} is in Python. */
    private record Bound(Object receiver, String name) implements JinjaCallable {
        @Override
        public Object call(Args a) {
            String fn = Py.typeName(receiver) + "." + name;
            Object result = receiver instanceof String s ? string(s, name, a, fn)
                    : receiver instanceof Map<?, ?> m ? dict(m, name, a, fn) : sequence((List<?>) receiver, name, a, fn);
            if (result == NOT_IMPLEMENTED) {
                throw new JinjaError(fn + "() is not supported by this renderer");
            }
            return result;
        }
    }

    /** The str methods without arguments. */
    private static final Map<String, Function<String, Object>> STR_NO_ARGS = Map.of(
            "upper", PyStr::upper,
            "lower", PyStr::lower,
            "title", PyStr::title,
            "capitalize", PyStr::capitalize,
            "isspace", s -> !s.isEmpty() && s.codePoints().allMatch(PyStr::isSpace),
            "isdigit", s -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit),
            "isalpha", s -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter),
            "isalnum", s -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit),
            "isupper", s -> Tests.casedAs(s, true),
            "islower", s -> Tests.casedAs(s, false));

    /** A str method's result, or {@link #NOT_IMPLEMENTED}. */
    private static Object string(String s, String name, Args a, String fn) {
        Function<String, Object> noArgs = STR_NO_ARGS.get(name);
        if (noArgs != null) {
            a.bind(fn);
            return noArgs.apply(s);
        }
        switch (name) {
            case "strip":
            case "lstrip":
            case "rstrip": {
                Object chars = a.bind(fn, "chars", null)[0];
                return PyStr.strip(s, chars == null ? null : text(chars, fn), !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "startswith":
            case "endswith": {
                Object affix = a.bind(fn, "prefix", Args.REQUIRED)[0];
                List<Object> options = affix instanceof Tuple t ? t : List.of(affix);
                for (Object o : options) {
                    String x = text(o, fn);
                    if (name.equals("startswith") ? s.startsWith(x) : s.endsWith(x)) {
                        return true;
                    }
                }
                return false;
            }
            case "split":
            case "rsplit": {
                Object[] p = a.bind(fn, "sep", null, "maxsplit", -1L);
                String sep = p[0] == null ? null : text(p[0], fn);
                long max = integer(p[1], fn);
                return name.equals("split") ? PyStr.split(s, sep, max) : PyStr.rsplit(s, sep, max);
            }
            case "splitlines":
                return PyStr.splitLines(s, Py.truthy(a.bind(fn, "keepends", false)[0]));
            case "replace": {
                Object[] p = a.bind(fn, "old", Args.REQUIRED, "new", Args.REQUIRED, "count", -1L);
                return replace(s, text(p[0], fn), text(p[1], fn), integer(p[2], fn));
            }
            case "find":
            case "rfind":
            case "index":
            case "rindex":
            case "count": {
                String sub = text(a.bind(fn, "sub", Args.REQUIRED)[0], fn);
                if (name.equals("count")) {
                    return count(s, sub);
                }
                int at = name.startsWith("r") ? s.lastIndexOf(sub) : s.indexOf(sub);
                if (at < 0 && name.endsWith("index")) {
                    throw new JinjaError("substring not found");
                }
                return at < 0 ? -1L : (long) s.codePointCount(0, at);
            }
            case "join": {
                StringBuilder b = new StringBuilder();
                int i = 0;
                for (var it = Py.iterate(a.bind(fn, "iterable", Args.REQUIRED)[0]); it.hasNext(); i++) {
                    Object item = it.next();
                    if (!(item instanceof String str)) {
                        throw new JinjaError("sequence item " + i + ": expected str instance, " + Py.typeName(item) + " found");
                    }
                    b.append(i > 0 ? s : "").append(str);
                }
                return b.toString();
            }
            case "format":
                return PyFormat.format(s, a.positional, a.keywords);
            case "removeprefix":
            case "removesuffix": {
                String affix = text(a.bind(fn, "affix", Args.REQUIRED)[0], fn);
                if (name.equals("removeprefix")) {
                    return s.startsWith(affix) ? s.substring(affix.length()) : s;
                }
                return s.endsWith(affix) ? s.substring(0, s.length() - affix.length()) : s;
            }
            case "center":
            case "ljust":
            case "rjust": {
                Object[] p = a.bind(fn, "width", Args.REQUIRED, "fillchar", " ");
                String fill = text(p[1], fn);
                if (Py.len(fill) != 1) {
                    throw new JinjaError("The fill character must be exactly one character long");
                }
                return pad(s, integer(p[0], fn), fill, name);
            }
            case "zfill": {
                long width = integer(a.bind(fn, "width", Args.REQUIRED)[0], fn);
                boolean signed = s.startsWith("+") || s.startsWith("-");
                String zeros = "0".repeat((int) Math.max(0, width - Py.len(s)));
                return signed ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
            }
            case "partition":
            case "rpartition": {
                String sep = text(a.bind(fn, "sep", Args.REQUIRED)[0], fn);
                if (sep.isEmpty()) {
                    throw new JinjaError("empty separator");
                }
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    return name.equals("partition") ? new Tuple(s, "", "") : new Tuple("", "", s);
                }
                return new Tuple(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            default:
                return NOT_IMPLEMENTED;
        }
    }

    private static Object dict(Map<?, ?> m, String name, Args a, String fn) {
        switch (name) {
            case "get": {
                Object[] p = a.bind(fn, "key", Args.REQUIRED, "default", null);
                Object v = Py.get(m, p[0]);
                return v == Py.MISSING ? p[1] : v;
            }
            case "items":
            case "keys":
            case "values":
                a.bind(fn);
                return new DictView(DictView.Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT)), m);
            case "copy":
                a.bind(fn);
                return new LinkedHashMap<>(m);
            default:
                return NOT_IMPLEMENTED;
        }
    }

    private static Object sequence(List<?> l, String name, Args a, String fn) {
        switch (name) {
            case "count": {
                Object x = a.bind(fn, "value", Args.REQUIRED)[0];
                return l.stream().filter(o -> Py.eq(o, x)).count();
            }
            case "index": {
                Object x = a.bind(fn, "value", Args.REQUIRED)[0];
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        return (long) i;
                    }
                }
                throw new JinjaError(Py.repr(x) + " is not in " + Py.typeName(l));
            }
            case "copy":
                a.bind(fn);
                return new ArrayList<Object>(l);
            default:
                return NOT_IMPLEMENTED;
        }
    }

    /** {@code s.center/ljust/rjust(width, fill)}; center rounds as CPython does. */
    static String pad(String s, long width, String fill, String how) {
        long margin = width - Py.len(s);
        if (margin <= 0) {
            return s;
        }
        long left = how.equals("ljust") ? 0 : how.equals("rjust") ? margin : margin / 2 + (margin & width & 1);
        return fill.repeat((int) left) + s + fill.repeat((int) (margin - left));
    }

    /** {@code s.replace(old, replacement, count)}; a negative count replaces all. */
    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            b.append(s, from, at).append(replacement);
            if (old.isEmpty()) { // "" matches before every character: copy one and move on
                if (at < s.length()) {
                    b.appendCodePoint(s.codePointAt(at));
                }
                from = at + (at < s.length() ? Character.charCount(s.codePointAt(at)) : 1);
            } else {
                from = at + old.length();
            }
        }
        return from <= s.length() ? b.append(s.substring(from)).toString() : b.toString();
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    static String text(Object v, String fn) {
        if (v instanceof String s) {
            return s;
        }
        throw new JinjaError(fn + "() argument must be str, not " + Py.typeName(v));
    }

    static long integer(Object v, String fn) {
        if (Py.isInteger(v)) {
            return Py.asLong(v);
        }
        throw new JinjaError(fn + "() argument must be an integer, not " + Py.typeName(v));
    }
}
