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
        scores(k, base, stride, q, qo, headSize, heads, scores, n, 0, n);
    }

    /**
     * Scores of {@code len} positions of a block of keys into a row of {@code n} per head:
     * {@code scores[g*n + from + t] = sum over d in order of k[base + d*stride + t] * q[qo +
     * g*headSize + d]}, for {@code t < len}. Each score is the same chain as in
     * {@link #scores(float[], int, int, float[], int, int, int, float[], int)}.
     */
    public static void scores(float[] k, int base, int stride, float[] q, int qo, int headSize, int heads,
                              float[] scores, int n, int from, int len) {
        rowsTimesWeights(k, base, stride, q, qo, headSize, headSize, heads, scores, from, n, len, false);
    }

    /**
     * For each of {@code heads} heads g: {@code out[oo + g*headSize + c] = sum over t < n, in
     * order, of v[base + t*stride + c] * scores[g*n + t]}, for {@code c < headSize}. Values are
     * stored one row per position.
     */
    public static void weightedSum(float[] v, int base, int stride, float[] scores, int n, int headSize, int heads,
                                   float[] out, int oo) {
        rowsTimesWeights(v, base, stride, scores, 0, n, n, heads, out, oo, headSize, headSize, false);
    }

    /**
     * Continues the weighted sums with a block of {@code len} value rows, whose weights are
     * {@code scores[g*n + from + t]}: {@code out[oo + g*headSize + c] += v[base + t*stride + c] *
     * scores[g*n + from + t]} for {@code t < len} in order, each an fma onto the running sum. A
     * sum over blocks in position order is therefore bit-identical to
     * {@link #weightedSum(float[], int, int, float[], int, int, int, float[], int)} over all rows.
     */
    public static void addWeighted(float[] v, int base, int stride, float[] scores, int n, int from, int len, int headSize,
                                   int heads, float[] out, int oo) {
        rowsTimesWeights(v, base, stride, scores, from, n, len, heads, out, oo, headSize, headSize, true);
    }

    /**
     * The reduction behind all of the above: for each of {@code heads} weight vectors g (each
     * {@code inner} long, {@code w[wo + g*wStride ..]}), {@code out[oo + g*outStride + j] = (acc ?
     * out[..] : 0) + sum over i < inner, in order, of m[base + i*stride + j] * w[wo + g*wStride +
     * i]}, for {@code j < cols}, as one fma chain per element.
     */
    private static void rowsTimesWeights(float[] m, int base, int stride, float[] w, int wo, int wStride, int inner,
                                         int heads, float[] out, int oo, int outStride, int cols, boolean acc) {
        int g = 0;
        for (; g + 4 <= heads; g += 4) {
            times4(m, base, stride, w, wo + g * wStride, wStride, inner, out, oo + g * outStride, outStride, cols, acc);
        }
        for (; g < heads; g++) {
            times1(m, base, stride, w, wo + g * wStride, inner, out, oo + g * outStride, cols, 0, acc);
        }
    }

    private static FloatVector start(float[] out, int i, boolean acc) {
        return acc ? FloatVector.fromArray(F, out, i) : FloatVector.zero(F);
    }

    /** Four weight vectors, two vectors of columns at a time: each row vector feeds four FMAs. */
    private static void times4(float[] m, int base, int stride, float[] w, int wo, int ws, int inner, float[] out, int oo,
                               int os, int cols, boolean acc) {
        int j = 0;
        for (; j + 2 * L <= cols; j += 2 * L) {
            FloatVector a0 = start(out, oo + j, acc), a1 = start(out, oo + j + L, acc);
            FloatVector b0 = start(out, oo + os + j, acc), b1 = start(out, oo + os + j + L, acc);
            FloatVector c0 = start(out, oo + 2 * os + j, acc), c1 = start(out, oo + 2 * os + j + L, acc);
            FloatVector d0 = start(out, oo + 3 * os + j, acc), d1 = start(out, oo + 3 * os + j + L, acc);
            for (int i = 0; i < inner; i++) {
                int row = base + i * stride + j;
                FloatVector m0 = FloatVector.fromArray(F, m, row), m1 = FloatVector.fromArray(F, m, row + L);
                FloatVector wa = FloatVector.broadcast(F, w[wo + i]);
                a0 = m0.fma(wa, a0);
                a1 = m1.fma(wa, a1);
                FloatVector wb = FloatVector.broadcast(F, w[wo + ws + i]);
                b0 = m0.fma(wb, b0);
                b1 = m1.fma(wb, b1);
                FloatVector wc = FloatVector.broadcast(F, w[wo + 2 * ws + i]);
                c0 = m0.fma(wc, c0);
                c1 = m1.fma(wc, c1);
                FloatVector wd = FloatVector.broadcast(F, w[wo + 3 * ws + i]);
                d0 = m0.fma(wd, d0);
                d1 = m1.fma(wd, d1);
            }
            a0.intoArray(out, oo + j);
            a1.intoArray(out, oo + j + L);
            b0.intoArray(out, oo + os + j);
            b1.intoArray(out, oo + os + j + L);
            c0.intoArray(out, oo + 2 * os + j);
            c1.intoArray(out, oo + 2 * os + j + L);
            d0.intoArray(out, oo + 3 * os + j);
            d1.intoArray(out, oo + 3 * os + j + L);
        }
        for (int g = 0; g < 4; g++) {
            times1(m, base, stride, w, wo + g * ws, inner, out, oo + g * os, cols, j, acc);
        }
    }

    /** One weight vector, columns {@code [from, cols)}: four vectors, then one, then scalars, same chain order. */
    private static void times1(float[] m, int base, int stride, float[] w, int wo, int inner, float[] out, int oo, int cols,
                               int from, boolean acc) {
        int j = from;
        int full = from + ((cols - from) & -L);
        for (; j + 4 * L <= full; j += 4 * L) {
            FloatVector a0 = start(out, oo + j, acc), a1 = start(out, oo + j + L, acc);
            FloatVector a2 = start(out, oo + j + 2 * L, acc), a3 = start(out, oo + j + 3 * L, acc);
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
            FloatVector a = start(out, oo + j, acc);
            for (int i = 0; i < inner; i++) {
                a = FloatVector.fromArray(F, m, base + i * stride + j).fma(FloatVector.broadcast(F, w[wo + i]), a);
            }
            a.intoArray(out, oo + j);
        }
        for (; j < cols; j++) {
            float a = acc ? out[oo + j] : 0f;
            for (int i = 0; i < inner; i++) {
                a = Math.fma(m[base + i * stride + j], w[wo + i], a);
            }
            out[oo + j] = a;
        }
    }
}
