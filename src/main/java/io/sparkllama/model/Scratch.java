package io.sparkllama.model;

/** Per-thread attention score buffers, grown on demand. */
final class Scratch {
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[256]);

    private Scratch() {
    }

    static float[] scores(int n) {
        float[] s = SCORES.get();
        if (s.length < n) {
            s = new float[Math.max(n, s.length * 2)];
            SCORES.set(s);
        }
        return s;
    }
}
