package io.sparkllama.kernels;

/**
 * The activation rows of one matrix product, and what kernels derive from them once per product
 * rather than once per task: the sums of each row's sub-blocks of 16 or 32 columns, which
 * quantized types with offsets fold in ({@link QuantMatrix}). {@link #prepare} computes what the
 * product's matrices need on the calling thread, before tasks share the object; tasks only read.
 */
final class Activations {
    final float[] x;
    final int batch;
    final int cols;
    private float[] sums16;
    private float[] sums32;

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
