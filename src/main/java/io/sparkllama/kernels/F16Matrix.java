package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IEEE half-precision weights. JDK 17 has no half-float conversion, so {@link #unpack} shifts the
 * 15 magnitude bits into a float's exponent and mantissa and rescales by 2^112 (exact for normal
 * and subnormal halves), then puts the sign back. Infinite or NaN weights are rejected at
 * construction, so decoding is exact for every stored value.
 */
public final class F16Matrix extends HalfMatrix {

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
    protected float toFloat(short bits) {
        return Half.toFloat(bits);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] dst, int off) {
        for (int c = c0, i = (p * cols + c0) * PANEL, o = off; c < c1; c++, i += PANEL, o += PANEL) {
            IntVector v = (IntVector) ShortVector.fromArray(Panels.S, h, i).convertShape(VectorOperators.S2I, Panels.I, 0);
            v.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, o);
        }
    }
}
