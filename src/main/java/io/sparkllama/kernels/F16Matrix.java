package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;

/**
 * IEEE half-precision weights, widened by {@link HalfVectors}. Infinite or NaN weights are
 * rejected at construction, so decoding is exact for every stored value.
 */
public final class F16Matrix extends HalfWidthMatrix {

    public F16Matrix(String name, int rows, int cols, short[] h) {
        super(name, rows, cols, h);
        for (int i = 0; i < h.length; i++) {
            if ((h[i] & 0x7C00) == 0x7C00) {
                throw new IllegalArgumentException(name + ": element " + i + " is infinite or NaN");
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void decodeRows(int row, int n, float[] dst, int off) {
        HalfVectors.toFloat(h, row * cols, dst, off, n * cols);
    }

    @Override
    protected float toFloat(short bits) {
        return Half.toFloat(bits);
    }
}
