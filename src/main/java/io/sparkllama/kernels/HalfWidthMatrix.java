package io.sparkllama.kernels;

/**
 * Weights stored as 16-bit floats (F16 or BF16), one {@code short} each, widened to float
 * exactly. Products use the default path of {@link WeightMatrix}: rows decoded into a float
 * scratch, then the F32 micro-kernels.
 */
abstract class HalfWidthMatrix extends WeightMatrix {
    protected final short[] h;

    protected HalfWidthMatrix(String name, int rows, int cols, short[] h) {
        super(name, rows, cols);
        if (h.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + h.length + " values for " + rows + "x" + cols);
        }
        this.h = h;
    }

    /** One stored value as a float, by plain scalar code. */
    protected abstract float toFloat(short bits);

    @Override
    public final long bytes() {
        return 2L * h.length;
    }

    @Override
    protected final float scalarWeight(int r, int c) {
        return toFloat(h[r * cols + c]);
    }
}
