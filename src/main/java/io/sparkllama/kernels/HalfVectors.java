package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Eight IEEE halves to floats with Vector API integer operations (JDK 17 has no half-float
 * conversion): the 15 magnitude bits are shifted into a float's exponent and mantissa and
 * rescaled by 2^112, which is exact for normal and subnormal halves, then the sign is put back.
 * Infinities and NaNs are not handled; callers keep them out.
 */
public final class HalfVectors {
    private static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    private HalfVectors() {
    }

    /** Floats of {@code h[i .. i+8)}. */
    public static FloatVector toFloat(short[] h, int i) {
        IntVector v = (IntVector) ShortVector.fromArray(S128, h, i).convertShape(VectorOperators.S2I, I256, 0);
        FloatVector magnitude = v.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        return magnitude.reinterpretAsInts().or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
