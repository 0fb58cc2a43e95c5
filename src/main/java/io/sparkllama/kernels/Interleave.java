package io.sparkllama.kernels;

/**
 * The first {@link #ROWS} activation rows of a batch interleaved by column, {@code dst[c*8 + s] =
 * x[s*cols + c]}, so a kernel finds the eight values of a column at one index plus constants
 * (see {@link Q8Matrix#panelTimesEight}). Made once per product: {@link Parallel} interleaves on
 * the calling thread and every task reads the copy.
 */
final class Interleave {
    /** Activation rows interleaved. */
    static final int ROWS = 8;

    private Interleave() {
    }

    /** Interleaves rows {@code 0..7} of {@code x} ({@code cols} floats each) into {@code dst}, which it returns. */
    static float[] firstRows(float[] x, int cols, float[] dst) {
        for (int s = 0; s < ROWS; s++) {
            int xo = s * cols;
            for (int c = 0; c < cols; c++) {
                dst[c * ROWS + s] = x[xo + c];
            }
        }
        return dst;
    }
}
