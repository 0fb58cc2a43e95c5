package io.sparkllama.testing;

import io.sparkllama.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Access to {@code ../shared}: test models and the C reference outputs. */
public final class Shared {
    private Shared() {
    }

    /** The shared folder: {@code -Dshared.dir}, else {@code ../shared} from the project root. */
    public static Path dir() {
        String p = System.getProperty("shared.dir");
        Path d = p != null ? Path.of(p) : Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
        if (!Files.isDirectory(d)) {
            throw new IllegalStateException(missing(d));
        }
        return d;
    }

    /** The one-line explanation of a missing shared folder. */
    static String missing(Path d) {
        return "the shared test data (models and reference outputs, the folder shared/ beside this project) is not at " + d
                + ": put it there, or run mvn test -Dshared.dir=/path/to/shared";
    }

    /** Whether the shared folder is where {@link #dir()} looks. */
    static boolean present() {
        try {
            dir();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public static Path model(String name) {
        return dir().resolve("models").resolve(name);
    }

    public static Path reference(String name) {
        return dir().resolve("reference").resolve(name);
    }

    public static Path tool(String name) {
        return dir().resolve("tools").resolve(name);
    }

    /** Reads a JSON Lines file into maps. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> jsonl(Path file) {
        try {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add((Map<String, Object>) Json.parse(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON array of integers as int[]. */
    public static int[] ints(Object jsonArray) {
        List<?> l = (List<?>) jsonArray;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).intValue();
        }
        return out;
    }

    /** Decodes a hex string to bytes. */
    public static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
