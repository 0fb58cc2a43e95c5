package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * Weights stored as 16-bit floats (F16 or BF16), one {@code short} each, widened to float
 * exactly. Subclasses say how eight of them become a float vector and how one becomes a float;
 * the batch-of-one kernel here decodes four rows on the fly, larger batches use the shared F32
 * micro-kernels on decoded rows (see {@link WeightMatrix}).
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

    /** Eight weights from element {@code i}, as floats. */
    protected abstract FloatVector chunk(int i);

    /** One stored value as a float. */
    protected abstract float toFloat(short bits);

    @Override
    public final long bytes() {
        return 2L * h.length;
    }

    @Override
    protected final float scalarWeight(int r, int c) {
        return toFloat(h[r * cols + c]);
    }

    @Override
    public final void decodeRows(int row, int n, float[] dst, int off) {
        int full = cols & -L;
        for (int r = row; r < row + n; r++) {
            int e = r * cols;
            int o = off + (r - row) * cols;
            for (int c = 0; c < full; c += L) {
                chunk(e + c).intoArray(dst, o + c);
            }
            for (int c = full; c < cols; c++) {
                dst[o + c] = toFloat(h[e + c]);
            }
        }
    }

    private float tail(float sum, int e, float[] x, int from) {
        for (int c = from; c < cols; c++) {
            sum = Math.fma(toFloat(h[e + c]), x[c], sum);
        }
        return sum;
    }

    @Override
    protected final void multiplyOne(float[] x, float[] out, int r0, int r1) {
        int full = cols & -L;
        float[] tmp = new float[4 * L];
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int e0 = r * cols, e1 = e0 + cols, e2 = e1 + cols, e3 = e2 + cols;
            for (int c = 0; c < full; c += L) {
                FloatVector xv = FloatVector.fromArray(F, x, c);
                a0 = chunk(e0 + c).fma(xv, a0);
                a1 = chunk(e1 + c).fma(xv, a1);
                a2 = chunk(e2 + c).fma(xv, a2);
                a3 = chunk(e3 + c).fma(xv, a3);
            }
            Dot.store(a0, a1, a2, a3, tmp, 0);
            out[r] = tail(Dot.sum8(tmp, 0), e0, x, full);
            out[r + 1] = tail(Dot.sum8(tmp, 8), e1, x, full);
            out[r + 2] = tail(Dot.sum8(tmp, 16), e2, x, full);
            out[r + 3] = tail(Dot.sum8(tmp, 24), e3, x, full);
        }
        for (; r < r1; r++) {
            FloatVector a = FloatVector.zero(F);
            int e = r * cols;
            for (int c = 0; c < full; c += L) {
                a = chunk(e + c).fma(FloatVector.fromArray(F, x, c), a);
            }
            out[r] = tail(Dot.lanes(a), e, x, full);
        }
    }
}
