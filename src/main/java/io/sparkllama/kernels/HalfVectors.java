package io.sparkllama.kernels;

import io.sparkllama.format.Half;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.sparkllama.kernels.Dot.L;

/**
 * IEEE halves to floats with Vector API integer operations (JDK 17 has no half-float
 * conversion): the 15 magnitude bits are shifted into a float's exponent and mantissa and
 * rescaled by 2^112, which is exact for normal and subnormal halves, then the sign is put back.
 * Infinities and NaNs are not handled; callers keep them out.
 */
public final class HalfVectors {
    private static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    private HalfVectors() {
    }

    /** {@code dst[off + i] = float(h[start + i])} for {@code i < n}. */
    public static void toFloat(short[] h, int start, float[] dst, int off, int n) {
        int full = n & -L;
        for (int i = 0; i < full; i += L) {
            IntVector v = (IntVector) ShortVector.fromArray(S128, h, start + i).convertShape(VectorOperators.S2I, I256, 0);
            v.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .or(v.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, off + i);
        }
        for (int i = full; i < n; i++) {
            dst[off + i] = Half.toFloat(h[start + i]);
        }
    }
}
