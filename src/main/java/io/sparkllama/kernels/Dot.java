package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dot products of contiguous vectors (RMSNorm's sum of squares) and the reduction order they
 * follow: the products are accumulated in one 8-lane vector, {@code acc = fma(a[c..c+8],
 * b[c..c+8], acc)} for each full chunk of 8 in order; the lanes are then summed as
 * {@code ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))}; remaining elements are added one by one with a
 * scalar fma. The lane count is part of this order, so it is fixed at 8 (256-bit vectors) rather
 * than the machine's preferred size: results are identical across machines with and without
 * AVX-512. (Matrix products are stored in panels of rows and follow {@link Panels}, whose order
 * names no lane count.)
 *
 * <p>JIT rule for every kernel here: no method of ours takes or returns a vector. The JDK's
 * vector methods are always inlined, ours only while the compiler's inlining budget lasts, and a
 * vector passed to a method that was not inlined is boxed, which is slower by an order of
 * magnitude. Accumulators leave a kernel through {@code intoArray} and {@link #sum8}.
 */
public final class Dot {
    /** The fixed vector shape of all kernels: 8 floats. */
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    /** Lanes per vector. */
    public static final int L = 8;

    private Dot() {
    }

    /** The lanes of a vector stored at {@code t[o .. o+8)}, summed in the fixed tree order. */
    public static float sum8(float[] t, int o) {
        return ((t[o] + t[o + 1]) + (t[o + 2] + t[o + 3])) + ((t[o + 4] + t[o + 5]) + (t[o + 6] + t[o + 7]));
    }

    /** Adds the scalar tail {@code w[wo+c]*x[xo+c]} for c in [from, cols) to {@code sum}. */
    static float tail(float sum, float[] w, int wo, float[] x, int xo, int from, int cols) {
        for (int c = from; c < cols; c++) {
            sum = Math.fma(w[wo + c], x[xo + c], sum);
        }
        return sum;
    }

    /** One dot product in the contract's order. */
    public static float dot(float[] w, int wo, float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int full = n & -L;
        for (int c = 0; c < full; c += L) {
            acc = FloatVector.fromArray(F, w, wo + c).fma(FloatVector.fromArray(F, x, xo + c), acc);
        }
        float[] t = new float[L];
        acc.intoArray(t, 0);
        return tail(sum8(t, 0), w, wo, x, xo, full, n);
    }
}
