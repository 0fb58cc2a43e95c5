package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code json.dumps(x, ensure_ascii=..., indent=..., separators=..., sort_keys=...)}, which is
 * what transformers' {@code tojson} filter calls (unlike Jinja2's own, it does not escape HTML).
 */
final class JsonDump {
    private final boolean ensureAscii;
    private final String indent; // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /**
     * @param indent     null, an int (that many spaces) or a string
     * @param separators null or a 2-sequence (item separator, key separator)
     */
    JsonDump(boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent == null ? null : indent instanceof String s ? s : " ".repeat((int) Math.max(0, Py.asLong(intArg(indent))));
        if (separators == null) {
            itemSeparator = this.indent == null ? ", " : ",";
            keySeparator = ": ";
        } else {
            List<Object> pair = Py.toList(separators);
            if (pair.size() != 2 || !(pair.get(0) instanceof String) || !(pair.get(1) instanceof String)) {
                throw new JinjaError("tojson: separators must be two strings");
            }
            itemSeparator = (String) pair.get(0);
            keySeparator = (String) pair.get(1);
        }
        this.sortKeys = sortKeys;
    }

    private static Object intArg(Object v) {
        if (!Py.isInteger(v)) {
            throw new JinjaError("tojson: indent must be an int or a string, not " + Py.typeName(v));
        }
        return v;
    }

    String dump(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 0);
        return b.toString();
    }

    private void write(StringBuilder b, Object v, int level) {
        if (v instanceof String s) {
            string(b, s);
        } else if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean x) {
            b.append(x ? "true" : "false");
        } else if (v instanceof Long) {
            b.append(v);
        } else if (v instanceof Double d) {
            b.append(number(d));
        } else if (v instanceof List<?> l && !(v instanceof PyRange)) {
            List<String> items = new ArrayList<>();
            for (Object o : l) {
                StringBuilder item = new StringBuilder();
                write(item, o, level + 1);
                items.add(item.toString());
            }
            container(b, '[', items, ']', level);
        } else if (v instanceof Map<?, ?> m) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) {
                entries.sort((x, y) -> Py.compare(x.getKey(), y.getKey(), "<"));
            }
            List<String> items = new ArrayList<>();
            for (Map.Entry<?, ?> e : entries) {
                StringBuilder item = new StringBuilder();
                string(item, key(e.getKey()));
                item.append(keySeparator);
                write(item, e.getValue(), level + 1);
                items.add(item.toString());
            }
            container(b, '{', items, '}', level);
        } else {
            throw new JinjaError("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private void container(StringBuilder b, char open, List<String> items, char close, int level) {
        b.append(open);
        if (items.isEmpty()) {
            b.append(close);
            return;
        }
        String inner = indent == null ? "" : "\n" + indent.repeat(level + 1);
        b.append(inner);
        b.append(String.join(itemSeparator + inner, items));
        if (indent != null) {
            b.append('\n').append(indent.repeat(level));
        }
        b.append(close);
    }

    private static String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        if (k == null || k instanceof Boolean || k instanceof Long) {
            return k == null ? "null" : k instanceof Boolean x ? (x ? "true" : "false") : k.toString();
        }
        if (k instanceof Double d) {
            return number(d);
        }
        throw new JinjaError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private static String number(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyFormat.floatRepr(d);
    }

    private void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
