package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/** bfloat16 weights: the upper 16 bits of a float, so widening is a sign extension and a shift. */
public final class Bf16Matrix extends HalfMatrix {

    public Bf16Matrix(String name, int rows, int cols, short[] h) {
        super(name, rows, cols, h);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    protected float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] dst, int off) {
        for (int c = c0, i = (p * cols + c0) * PANEL, o = off; c < c1; c++, i += PANEL, o += PANEL) {
            ((IntVector) ShortVector.fromArray(Panels.S, h, i).convertShape(VectorOperators.S2I, Panels.I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, o);
        }
    }
}
