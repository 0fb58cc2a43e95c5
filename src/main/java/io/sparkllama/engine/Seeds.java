package io.sparkllama.engine;

import java.nio.charset.StandardCharsets;

/**
 * Per-row seeds. A row's seed comes from the job's seed and the row's id, never from its position
 * in a file, partition or batch, so a row samples the same tokens however the input is split,
 * ordered or retried.
 */
public final class Seeds {
    private Seeds() {
    }

    /** The seed of the row with this id under this job seed. Integral ids use their value, others their text. */
    public static long forRow(long jobSeed, Object id) {
        long key = id instanceof Long || id instanceof Integer || id instanceof Short || id instanceof Byte
                ? ((Number) id).longValue() : stableHash(String.valueOf(id));
        return Rng.mix(jobSeed, key);
    }

    /** FNV-1a over the UTF-8 bytes: the same on every JVM (unlike {@code String.hashCode}'s 32 bits). */
    public static long stableHash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
