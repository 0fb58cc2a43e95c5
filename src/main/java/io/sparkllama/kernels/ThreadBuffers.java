package io.sparkllama.kernels;

/**
 * Per-thread float scratch buffers for kernels, grown on demand and reused, so a kernel call
 * allocates nothing. Each use site takes its own slot so buffers never alias.
 */
final class ThreadBuffers {
    /** Decoded weight rows. */
    static final int WEIGHTS = 0;
    /** Kernel results before they are copied out. */
    static final int RESULTS = 1;
    /** Activation rows interleaved by {@link Interleave}. */
    static final int INTERLEAVED = 2;
    /** Where a kernel's by-product goes when nobody reads it (see {@link Q8Matrix#panelTimesEight}). */
    static final int SINK = 3;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[4][0]);

    private ThreadBuffers() {
    }

    /** Buffer {@code slot} of this thread, at least {@code n} floats long (contents unspecified). */
    static float[] floats(int slot, int n) {
        float[][] all = BUFFERS.get();
        if (all[slot].length < n) {
            all[slot] = new float[n];
        }
        return all[slot];
    }
}
