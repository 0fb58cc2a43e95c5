package io.sparkllama.spark;

import io.sparkllama.json.Json;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spark cell values as {@link ShowJob} prints them: as plain Java values for JSON (arrays as lists,
 * structs and maps as maps, binary as base64), and as one-line text cut to a width for tables.
 */
public final class CellText {
    private CellText() {
    }

    /** {@code v} as a value {@link Json#toJson} writes. */
    public static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v;
        }
        if (v instanceof byte[] b) {
            return Base64.getEncoder().encodeToString(b);
        }
        if (v instanceof scala.collection.Seq<?> seq) {
            List<Object> out = new ArrayList<>();
            scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(e -> out.add(plain(e)));
            return out;
        }
        if (v instanceof scala.collection.Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            scala.jdk.javaapi.CollectionConverters.asJava(map).forEach((k, e) -> out.put(String.valueOf(k), plain(e)));
            return out;
        }
        if (v instanceof Row r) {
            Map<String, Object> out = new LinkedHashMap<>();
            String[] names = r.schema().fieldNames();
            for (int i = 0; i < names.length; i++) {
                out.put(names[i], plain(r.get(i)));
            }
            return out;
        }
        return v.toString(); // dates, timestamps, ...
    }

    /** A cell on one line: strings as they are, other values as JSON; control characters escaped; at most {@code width} characters. */
    static String cell(Object v, int width) {
        String s = v instanceof String str ? str : v == null ? "null" : Json.toJson(plain(v));
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        String one = b.toString();
        return one.codePointCount(0, one.length()) <= width ? one
                : one.substring(0, one.offsetByCodePoints(0, width - 1)) + "…";
    }

    /** Prints {@code rows} as an aligned {@link #table} or, with {@code json}, as one JSON object per line. */
    public static void print(java.io.PrintStream out, String[] names, List<Row> rows, int width, boolean json) {
        if (json) {
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < names.length; i++) {
                    m.put(names[i], plain(r.get(i)));
                }
                out.println(Json.toJson(m));
            }
        } else {
            out.print(table(names, rows, width));
        }
    }

    /** An aligned table: a header, a rule, and one line per row, columns separated by " | ". */
    public static String table(String[] names, List<Row> rows, int width) {
        List<String[]> lines = new ArrayList<>();
        lines.add(names.clone());
        for (Row r : rows) {
            String[] cells = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                cells[i] = cell(r.get(i), width);
            }
            lines.add(cells);
        }
        int[] widths = new int[names.length];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                widths[i] = Math.max(widths[i], length(l[i]));
            }
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < lines.size(); k++) {
            appendLine(out, lines.get(k), widths);
            if (k == 0) {
                String[] rule = new String[names.length];
                for (int i = 0; i < rule.length; i++) {
                    rule[i] = "-".repeat(widths[i]);
                }
                appendLine(out, rule, widths);
            }
        }
        return out.toString();
    }

    private static void appendLine(StringBuilder out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            line.append(i == 0 ? "" : " | ").append(cells[i]).append(" ".repeat(widths[i] - length(cells[i])));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
