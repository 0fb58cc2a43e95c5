package io.sparkllama.engine;

/**
 * SplitMix64: a small, fully specified random stream, so that a seed gives the same samples on
 * every JVM and platform (java.util's generators make no such promise across versions).
 * One per sequence; not thread-safe.
 */
public final class Rng {
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1), 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Mixes two values into a seed, e.g. a job seed and a row id. */
    public static long mix(long a, long b) {
        Rng r = new Rng(a ^ Long.rotateLeft(b, 32) ^ 0x5DEECE66DL);
        r.nextLong();
        return r.nextLong() ^ b;
    }
}
