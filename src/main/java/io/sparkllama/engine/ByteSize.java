package io.sparkllama.engine;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes as Spark writes them: {@code 512m}, {@code 4g}, {@code 1.5g}, {@code 65536} (bytes); binary units. */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");

    private ByteSize() {
    }

    /**
     * Parses a size: a number of bytes, or a number with k, m, g or t (KiB, MiB, GiB, TiB; a
     * trailing "b" or "ib" is allowed).
     *
     * @throws IllegalArgumentException naming the text when it is not a size
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a memory size: \"" + text + "\" (use e.g. 512m, 4g or a number of bytes)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("memory size too large: \"" + text + "\"");
        }
        return (long) bytes;
    }
}
