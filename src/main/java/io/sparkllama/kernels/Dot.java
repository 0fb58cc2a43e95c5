package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 micro-kernels for weights decoded row by row (F16, BF16), and the reduction order they follow.
 *
 * <p><b>Reduction order</b> (the numerics contract of F16 and BF16 matrix products): the dot
 * product of a weight row and an activation row is accumulated in one 8-lane vector,
 * {@code acc = fma(w[c..c+8], x[c..c+8], acc)} for each full chunk of 8 columns in order; the
 * lanes are then summed as {@code ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))}; remaining columns are
 * added one by one with a scalar fma. (F32, Q8_0 and Q4_0 are stored in panels of rows and
 * follow {@link Panels}.) Row
 * blocking, batching and thread splits only change which element is computed when, never how,
 * so a result does not depend on batch size, slot or thread count. The lane count is fixed at 8
 * (256-bit vectors) rather than the machine's preferred size, so results are also identical
 * across x86 machines with and without AVX-512.
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

    /**
     * {@code out[b*outStride + outRow + i] = dot(w row i, x row b)} for {@code i < nRows},
     * {@code b < batch}; rows of {@code w} start at {@code wo} and are {@code cols} apart; rows
     * of {@code x} are {@code cols} apart from 0.
     */
    static void rows(float[] w, int wo, int nRows, int cols, float[] x, int batch,
                     float[] out, int outStride, int outRow) {
        float[] tmp = new float[8 * L];
        int i = 0;
        for (; i + 4 <= nRows; i += 4) {
            int b = 0;
            for (; b + 2 <= batch; b += 2) {
                block4x2(w, wo + i * cols, cols, x, b * cols, (b + 1) * cols, out,
                        b * outStride + outRow + i, (b + 1) * outStride + outRow + i, tmp);
            }
            if (b < batch) {
                block4x1(w, wo + i * cols, cols, x, b * cols, out, b * outStride + outRow + i, tmp);
            }
        }
        for (; i < nRows; i++) {
            for (int b = 0; b < batch; b++) {
                out[b * outStride + outRow + i] = dot(w, wo + i * cols, x, b * cols, cols);
            }
        }
    }

    /** Four rows times one activation vector. */
    static void block4x1(float[] w, int wo, int cols, float[] x, int xo, float[] out, int oo, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        int full = cols & -L;
        for (int c = 0; c < full; c += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + c);
            a0 = FloatVector.fromArray(F, w, wo + c).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + c).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + c).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + c).fma(xv, a3);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        out[oo] = tail(sum8(tmp, 0), w, wo, x, xo, full, cols);
        out[oo + 1] = tail(sum8(tmp, 8), w, w1, x, xo, full, cols);
        out[oo + 2] = tail(sum8(tmp, 16), w, w2, x, xo, full, cols);
        out[oo + 3] = tail(sum8(tmp, 24), w, w3, x, xo, full, cols);
    }

    /** Four rows times two activation vectors: each weight load feeds two FMAs. */
    static void block4x2(float[] w, int wo, int cols, float[] x, int xa, int xb, float[] out, int oa, int ob, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        int full = cols & -L;
        for (int c = 0; c < full; c += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xa + c);
            FloatVector yv = FloatVector.fromArray(F, x, xb + c);
            FloatVector v = FloatVector.fromArray(F, w, wo + c);
            a0 = v.fma(xv, a0);
            b0 = v.fma(yv, b0);
            v = FloatVector.fromArray(F, w, w1 + c);
            a1 = v.fma(xv, a1);
            b1 = v.fma(yv, b1);
            v = FloatVector.fromArray(F, w, w2 + c);
            a2 = v.fma(xv, a2);
            b2 = v.fma(yv, b2);
            v = FloatVector.fromArray(F, w, w3 + c);
            a3 = v.fma(xv, a3);
            b3 = v.fma(yv, b3);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        b0.intoArray(tmp, 4 * L);
        b1.intoArray(tmp, 5 * L);
        b2.intoArray(tmp, 6 * L);
        b3.intoArray(tmp, 7 * L);
        out[oa] = tail(sum8(tmp, 0), w, wo, x, xa, full, cols);
        out[oa + 1] = tail(sum8(tmp, 8), w, w1, x, xa, full, cols);
        out[oa + 2] = tail(sum8(tmp, 16), w, w2, x, xa, full, cols);
        out[oa + 3] = tail(sum8(tmp, 24), w, w3, x, xa, full, cols);
        out[ob] = tail(sum8(tmp, 32), w, wo, x, xb, full, cols);
        out[ob + 1] = tail(sum8(tmp, 40), w, w1, x, xb, full, cols);
        out[ob + 2] = tail(sum8(tmp, 48), w, w2, x, xb, full, cols);
        out[ob + 3] = tail(sum8(tmp, 56), w, w3, x, xb, full, cols);
    }
}
