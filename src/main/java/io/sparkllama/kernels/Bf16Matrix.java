package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
    protected FloatVector chunk(int i) {
        IntVector v = (IntVector) ShortVector.fromArray(S128, h, i).convertShape(VectorOperators.S2I, I256, 0);
        return v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    protected float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
