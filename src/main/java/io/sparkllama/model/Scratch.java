package io.sparkllama.model;

/** Per-thread float buffers for attention, grown on demand. */
final class Scratch {
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[256]);
    private static final ThreadLocal<float[]> FLOATS = ThreadLocal.withInitial(() -> new float[256]);

    private Scratch() {
    }

    /** A buffer for {@code n} attention scores. */
    static float[] scores(int n) {
        return grow(SCORES, n);
    }

    /** A second buffer, for widened F16 keys or values. */
    static float[] floats(int n) {
        return grow(FLOATS, n);
    }

    private static float[] grow(ThreadLocal<float[]> holder, int n) {
        float[] s = holder.get();
        if (s.length < n) {
            s = new float[Math.max(n, s.length * 2)];
            holder.set(s);
        }
        return s;
    }
}
