package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * The two reductions of attention over float keys and values laid out for reduction-free vector
 * code (see the KV cache): scores with positions in the lanes, and the weighted sum of values
 * with head dimensions in the lanes. Query heads that share a key/value head (grouped-query
 * attention) are processed together, two or four at a time, so each key and value is loaded once
 * for all of them. Every output element is a plain fma chain in a fixed order, so it does not
 * depend on how many positions or heads are processed together.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * For each of {@code heads} query heads g (their vectors {@code headSize} apart from
     * {@code qo}): {@code scores[g*n + t] = sum over d in order of k[base + d*stride + t] * q[qo +
     * g*headSize + d]}, for {@code t < n}. Keys are stored one row per dimension.
     */
    public static void scores(float[] k, int base, int stride, float[] q, int qo, int headSize, int heads,
                              float[] scores, int n) {
        rowsTimesWeights(k, base, stride, q, qo, headSize, heads, scores, 0, n);
    }

    /**
     * For each of {@code heads} heads g: {@code out[oo + g*headSize + c] = sum over t < n, in
     * order, of v[base + t*stride + c] * scores[g*n + t]}, for {@code c < headSize}. Values are
     * stored one row per position.
     */
    public static void weightedSum(float[] v, int base, int stride, float[] scores, int n, int headSize, int heads,
                                   float[] out, int oo) {
        rowsTimesWeights(v, base, stride, scores, 0, n, heads, out, oo, headSize);
    }

    /**
     * Both reductions above are this one: for each of {@code heads} weight vectors g (each
     * {@code inner} long, {@code w[wo + g*inner ..]}), {@code out[oo + g*cols + j] = sum over i <
     * inner, in order, of m[base + i*stride + j] * w[wo + g*inner + i]}, for {@code j < cols}.
     */
    private static void rowsTimesWeights(float[] m, int base, int stride, float[] w, int wo, int inner, int heads,
                                         float[] out, int oo, int cols) {
        int g = 0;
        for (; g + 4 <= heads; g += 4) {
            times4(m, base, stride, w, wo + g * inner, inner, out, oo + g * cols, cols);
        }
        for (; g < heads; g++) {
            times1(m, base, stride, w, wo + g * inner, inner, out, oo + g * cols, cols, 0);
        }
    }

    /** Four weight vectors, two vectors of columns at a time: each row vector feeds four FMAs. */
    private static void times4(float[] m, int base, int stride, float[] w, int wo, int inner, float[] out, int oo, int cols) {
        int j = 0;
        for (; j + 2 * L <= cols; j += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            for (int i = 0; i < inner; i++) {
                int row = base + i * stride + j;
                FloatVector m0 = FloatVector.fromArray(F, m, row), m1 = FloatVector.fromArray(F, m, row + L);
                FloatVector wa = FloatVector.broadcast(F, w[wo + i]);
                a0 = m0.fma(wa, a0);
                a1 = m1.fma(wa, a1);
                FloatVector wb = FloatVector.broadcast(F, w[wo + inner + i]);
                b0 = m0.fma(wb, b0);
                b1 = m1.fma(wb, b1);
                FloatVector wc = FloatVector.broadcast(F, w[wo + 2 * inner + i]);
                c0 = m0.fma(wc, c0);
                c1 = m1.fma(wc, c1);
                FloatVector wd = FloatVector.broadcast(F, w[wo + 3 * inner + i]);
                d0 = m0.fma(wd, d0);
                d1 = m1.fma(wd, d1);
            }
            a0.intoArray(out, oo + j);
            a1.intoArray(out, oo + j + L);
            b0.intoArray(out, oo + cols + j);
            b1.intoArray(out, oo + cols + j + L);
            c0.intoArray(out, oo + 2 * cols + j);
            c1.intoArray(out, oo + 2 * cols + j + L);
            d0.intoArray(out, oo + 3 * cols + j);
            d1.intoArray(out, oo + 3 * cols + j + L);
        }
        for (int g = 0; g < 4; g++) {
            times1(m, base, stride, w, wo + g * inner, inner, out, oo + g * cols, cols, j);
        }
    }

    /** One weight vector, columns {@code [from, cols)}: four vectors, then one, then scalars, same chain order. */
    private static void times1(float[] m, int base, int stride, float[] w, int wo, int inner, float[] out, int oo, int cols,
                               int from) {
        int j = from;
        int full = cols & -L;
        for (; j + 4 * L <= full; j += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < inner; i++) {
                int row = base + i * stride + j;
                FloatVector wi = FloatVector.broadcast(F, w[wo + i]);
                a0 = FloatVector.fromArray(F, m, row).fma(wi, a0);
                a1 = FloatVector.fromArray(F, m, row + L).fma(wi, a1);
                a2 = FloatVector.fromArray(F, m, row + 2 * L).fma(wi, a2);
                a3 = FloatVector.fromArray(F, m, row + 3 * L).fma(wi, a3);
            }
            a0.intoArray(out, oo + j);
            a1.intoArray(out, oo + j + L);
            a2.intoArray(out, oo + j + 2 * L);
            a3.intoArray(out, oo + j + 3 * L);
        }
        for (; j < full; j += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int i = 0; i < inner; i++) {
                acc = FloatVector.fromArray(F, m, base + i * stride + j).fma(FloatVector.broadcast(F, w[wo + i]), acc);
            }
            acc.intoArray(out, oo + j);
        }
        for (; j < cols; j++) {
            float acc = 0f;
            for (int i = 0; i < inner; i++) {
                acc = Math.fma(m[base + i * stride + j], w[wo + i], acc);
            }
            out[oo + j] = acc;
        }
    }
}
