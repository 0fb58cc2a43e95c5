package io.sparkllama.kernels;

/**
 * The activation rows of one matrix product, and what kernels derive from them once per product
 * rather than once per task: the sums of each row's sub-blocks of 16 or 32 columns, which
 * quantized types with offsets fold in ({@link QuantMatrix}), and the first eight rows
 * interleaved for the eight-row kernels. {@link #prepare} computes what the
 * product's matrices need on the calling thread, before tasks share the object; tasks only read.
 */
final class Activations {
    /** Rows an eight-row kernel takes at once. */
    static final int EIGHT = 8;

    final float[] x;
    final int batch;
    final int cols;
    private float[] sums16;
    private float[] sums32;
    private float[] interleaved;

    Activations(float[] x, int batch, int cols) {
        this.x = x;
        this.batch = batch;
        this.cols = cols;
    }

    /** Computes what {@code m}'s kernels read from this object. */
    void prepare(WeightMatrix m) {
        int sub = m.activationSums();
        if (sub != 0) {
            sums(sub);
        }
        if (m.readsInterleaved(batch)) {
            interleaved();
        }
    }

    /**
     * The first {@link #EIGHT} rows interleaved by column, {@code [c*8 + s] = x[s][c]}, so an
     * eight-row kernel finds the eight values of a column at one index plus constants.
     */
    float[] interleaved() {
        if (interleaved == null) {
            float[] d = new float[EIGHT * cols];
            for (int s = 0; s < EIGHT; s++) {
                for (int c = 0; c < cols; c++) {
                    d[c * EIGHT + s] = x[s * cols + c];
                }
            }
            interleaved = d;
        }
        return interleaved;
    }

    /**
     * Sums of the sub-blocks of {@code sub} (16 or 32) columns: {@code [b * (cols/sub) + j]} is
     * {@code s = 0; s = s + x[b][c]} over sub-block j's columns in order.
     */
    float[] sums(int sub) {
        float[] s = sub == 16 ? sums16 : sums32;
        if (s == null) {
            if (sub != 16 && sub != 32) {
                throw new IllegalArgumentException("sub-blocks of " + sub + " columns");
            }
            s = new float[batch * (cols / sub)];
            for (int b = 0, j = 0; b < batch; b++) {
                for (int c0 = 0; c0 + sub <= cols; c0 += sub, j++) {
                    float t = 0f;
                    for (int c = b * cols + c0, end = c + sub; c < end; c++) {
                        t += x[c];
                    }
                    s[j] = t;
                }
            }
            if (sub == 16) {
                sums16 = s;
            } else {
                sums32 = s;
            }
        }
        return s;
    }
}
