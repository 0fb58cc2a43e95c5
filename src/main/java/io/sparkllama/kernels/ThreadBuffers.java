package io.sparkllama.kernels;

/**
 * Per-thread float scratch buffers for kernels, grown on demand and reused, so a kernel call
 * allocates nothing. Each use site takes its own slot so buffers never alias.
 */
final class ThreadBuffers {
    /** Weights unpacked to floats. */
    static final int WEIGHTS = 0;
    /** Kernel results before they are copied out. */
    static final int RESULTS = 1;
    /** Accumulators of a batched product between column chunks. */
    static final int ACCUMULATORS = 2;
    /** Sub-block scales unpacked to floats. */
    static final int SCALES = 3;
    /** Sub-block offsets unpacked to floats. */
    static final int OFFSETS = 4;
    /** The scales of one whole scale block, while a chunk takes part of them. */
    static final int BLOCK_SCALES = 5;
    /** Where a kernel's by-product goes when nobody reads it (see {@link PanelMatrix#panelTimesEight}). */
    static final int SINK = 6;

    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[7][0]);

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
