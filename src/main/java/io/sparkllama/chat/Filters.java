package io.sparkllama.chat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The filter registry ({@code value | name(args)}) and the filters on strings and numbers; the
 * ones on sequences are in {@link SequenceFilters}. Each follows Jinja2 3.1's filter of that name,
 * except {@code tojson}, which is transformers' {@code json.dumps(x, ensure_ascii=False)}, and
 * {@code escape}/{@code safe}, which return plain strings since nothing is autoescaped.
 */
final class Filters {
    /** A filter: its result for {@code value} and the filter's own arguments. */
    @FunctionalInterface
    interface Fn {
        Object apply(Object value, Args args);
    }

    /** Jinja2 filters deliberately left out; naming one is an error that says so. */
    static final Set<String> KNOWN_UNSUPPORTED = Set.of("batch", "filesizeformat", "forceescape", "groupby", "pprint",
            "random", "slice", "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr");

    private static final Map<String, Fn> FILTERS = new HashMap<>();
    private static final Pattern TITLE_WORD_BREAK = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PY_INT = Pattern.compile("[+-]?[0-9a-zA-Z]+(_[0-9a-zA-Z]+)*");
    private static final Pattern PY_FLOAT = Pattern.compile(
            "[+-]?((\\d+(_\\d+)*)?\\.?\\d+(_\\d+)*|\\d+(_\\d+)*\\.)([eE][+-]?\\d+(_\\d+)*)?|[+-]?(inf|infinity|nan)",
            Pattern.CASE_INSENSITIVE);

    static {
        FILTERS.put("abs", Filters::abs);
        FILTERS.put("attr", (v, a) -> {
            String name = Py.str(a.bind("attr", "name", Args.REQUIRED)[0]);
            if (v instanceof Map) { // attributes only: a dict's keys are not its attributes
                Object m = Methods.attribute(v, name);
                return m != null ? m : Undefined.member(v, name);
            }
            return Access.attribute(v, name);
        });
        FILTERS.put("center", (v, a) -> Methods.pad(Py.str(v), Methods.integer(a.bind("center", "width", 80L)[0], "center"), " ",
                "center"));
        FILTERS.put("capitalize", (v, a) -> noArgs(a, "capitalize", PyStr.capitalize(Py.str(v))));
        FILTERS.put("default", Filters::defaultValue);
        FILTERS.put("d", Filters::defaultValue);
        FILTERS.put("escape", (v, a) -> noArgs(a, "escape", escape(Py.str(v))));
        FILTERS.put("e", (v, a) -> noArgs(a, "e", escape(Py.str(v))));
        FILTERS.put("float", (v, a) -> toFloat(v, a.bind("float", "default", 0.0)[0]));
        FILTERS.put("format", (v, a) -> {
            if (!a.keywords.isEmpty()) {
                throw new JinjaError("format(): %(name)s style keyword formatting is not supported");
            }
            return PyFormat.percent(Py.str(v), new Tuple(a.positional.toArray()));
        });
        FILTERS.put("indent", Filters::indent);
        FILTERS.put("int", Filters::toInt);
        FILTERS.put("length", (v, a) -> noArgs(a, "length", (long) Py.len(v)));
        FILTERS.put("count", (v, a) -> noArgs(a, "count", (long) Py.len(v)));
        FILTERS.put("lower", (v, a) -> noArgs(a, "lower", PyStr.lower(Py.str(v))));
        FILTERS.put("upper", (v, a) -> noArgs(a, "upper", PyStr.upper(Py.str(v))));
        FILTERS.put("replace", (v, a) -> {
            Object[] p = a.bind("replace", "old", Args.REQUIRED, "new", Args.REQUIRED, "count", null);
            return Methods.replace(Py.str(v), Py.str(p[0]), Py.str(p[1]), p[2] == null ? -1 : Methods.integer(p[2], "replace"));
        });
        FILTERS.put("round", Filters::round);
        FILTERS.put("safe", (v, a) -> noArgs(a, "safe", Py.str(v)));
        FILTERS.put("string", (v, a) -> noArgs(a, "string", Py.str(v)));
        FILTERS.put("title", (v, a) -> noArgs(a, "title", title(Py.str(v))));
        FILTERS.put("tojson", (v, a) -> {
            Object[] p = a.bind("tojson", "ensure_ascii", false, "indent", null, "separators", null, "sort_keys", false);
            return new JsonDump(Py.truthy(p[0]), p[1], p[2], Py.truthy(p[3])).dump(v);
        });
        FILTERS.put("trim", (v, a) -> {
            Object chars = a.bind("trim", "chars", null)[0];
            return PyStr.strip(Py.str(v), chars == null ? null : Py.str(chars), true, true);
        });
        FILTERS.put("wordcount", (v, a) -> noArgs(a, "wordcount", wordCount(Py.str(v))));
        SequenceFilters.register(FILTERS);
    }

    private Filters() {
    }

    /** The filter named {@code name}, or null. */
    static Fn get(String name) {
        return FILTERS.get(name);
    }

    static <T> T noArgs(Args a, String name, T result) {
        a.bind(name);
        return result;
    }

    private static Object abs(Object v, Args a) {
        a.bind("abs");
        if (v instanceof Double d) {
            return Math.abs(d);
        }
        if (Py.isInteger(v)) {
            return Math.absExact(Py.asLong(v));
        }
        Undefined.check(v);
        throw new JinjaError("bad operand type for abs(): '" + Py.typeName(v) + "'");
    }

    private static Object defaultValue(Object v, Args a) {
        Object[] p = a.bind("default", "default_value", "", "boolean", false);
        return v instanceof Undefined || (Py.truthy(p[1]) && !Py.truthy(v)) ? p[0] : v;
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&#34;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** Jinja2's indent: every line but the first (and blank ones unless asked) gets the indentation. */
    private static Object indent(Object v, Args a) {
        Object[] p = a.bind("indent", "width", 4L, "first", false, "blank", false);
        String pad = p[0] instanceof String s ? s : " ".repeat((int) Math.max(0, Methods.integer(p[0], "indent")));
        List<Object> lines = PyStr.splitLines(Py.str(v) + "\n", false);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = (String) lines.get(i);
            if (i > 0) {
                b.append('\n');
                if (Py.truthy(p[2]) || !line.isEmpty()) {
                    b.append(pad);
                }
            }
            b.append(line);
        }
        return Py.truthy(p[1]) ? pad + b : b.toString();
    }

    private static Object toInt(Object v, Args a) {
        Object[] p = a.bind("int", "default", 0L, "base", 10L);
        Undefined.check(v);
        if (Py.isInteger(v)) {
            return Py.asLong(v);
        }
        if (v instanceof String s) {
            String t = PyStr.strip(s, null, true, true);
            if (PY_INT.matcher(t).matches()) {
                try {
                    return Long.parseLong(t.replace("_", ""), (int) Methods.integer(p[1], "int"));
                } catch (NumberFormatException e) {
                    // "42.5" and the like: the float route below, as Jinja2 does
                }
            }
        }
        Object f = toFloat(v, null);
        if (f instanceof Double d && !Double.isNaN(d)) {
            if (Double.isInfinite(d)) {
                throw new JinjaError("cannot convert float infinity to integer");
            }
            return (long) (double) d;
        }
        return p[0];
    }

    /** Python's {@code float(v)}, or {@code fallback} where it raises ValueError or TypeError. */
    private static Object toFloat(Object v, Object fallback) {
        Undefined.check(v);
        if (Py.isNumber(v)) {
            return Py.asDouble(v);
        }
        if (v instanceof String s) {
            String t = PyStr.strip(s, null, true, true);
            if (PY_FLOAT.matcher(t).matches()) {
                String lower = t.toLowerCase(java.util.Locale.ROOT).replace("_", "");
                if (lower.endsWith("inf") || lower.endsWith("infinity")) {
                    return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                }
                return lower.endsWith("nan") ? Double.NaN : Double.parseDouble(lower);
            }
        }
        return fallback;
    }

    private static Object round(Object v, Args a) {
        Object[] p = a.bind("round", "precision", 0L, "method", "common");
        long digits = Methods.integer(p[0], "round");
        Undefined.check(v);
        if (!Py.isNumber(v)) {
            throw new JinjaError("type " + Py.typeName(v) + " doesn't define __round__ method");
        }
        switch (Py.str(p[1])) {
            case "common":
                if (Py.isInteger(v)) { // round(int, n) stays an int
                    return new java.math.BigDecimal(Py.asLong(v)).setScale((int) Math.max(-20, Math.min(0, digits)),
                            java.math.RoundingMode.HALF_EVEN).longValueExact();
                }
                return PyFormat.round(Py.asDouble(v), digits);
            case "ceil":
            case "floor":
                double scale = Math.pow(10, digits);
                double scaled = Py.asDouble(v) * scale;
                return (p[1].equals("ceil") ? Math.ceil(scaled) : Math.floor(scaled)) / scale;
            default:
                throw new JinjaError("method must be common, ceil or floor");
        }
    }

    /** Jinja2's title filter: each word (split at whitespace, "-", "(", "{", "[", "<") upper-cased first, lower-cased after. */
    private static String title(String s) {
        StringBuilder b = new StringBuilder();
        var m = TITLE_WORD_BREAK.matcher(s);
        int from = 0;
        while (m.find()) {
            titleWord(b, s.substring(from, m.start()));
            b.append(m.group());
            from = m.end();
        }
        titleWord(b, s.substring(from));
        return b.toString();
    }

    private static void titleWord(StringBuilder b, String w) {
        if (!w.isEmpty()) {
            int first = Character.charCount(w.codePointAt(0));
            b.append(PyStr.upper(w.substring(0, first))).append(PyStr.lower(w.substring(first)));
        }
    }

    private static long wordCount(String s) {
        long n = 0;
        boolean inWord = false;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int c = s.codePointAt(i);
            boolean word = Character.isLetterOrDigit(c) || c == '_';
            if (word && !inWord) {
                n++;
            }
            inWord = word;
        }
        return n;
    }
}
