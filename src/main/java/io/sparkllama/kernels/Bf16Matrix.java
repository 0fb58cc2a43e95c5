package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.sparkllama.kernels.Dot.L;

/** bfloat16 weights: the upper 16 bits of a float, so widening is a sign extension and a shift. */
public final class Bf16Matrix extends HalfWidthMatrix {
    private static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    public Bf16Matrix(String name, int rows, int cols, short[] h) {
        super(name, rows, cols, h);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void decodeRows(int row, int n, float[] dst, int off) {
        int start = row * cols, count = n * cols;
        int full = count & -L;
        for (int i = 0; i < full; i += L) {
            ((IntVector) ShortVector.fromArray(S128, h, start + i).convertShape(VectorOperators.S2I, I256, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (int i = full; i < count; i++) {
            dst[off + i] = toFloat(h[start + i]);
        }
    }

    @Override
    protected float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
