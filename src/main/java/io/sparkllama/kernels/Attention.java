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
        int g = 0;
        for (; g + 4 <= heads; g += 4) {
            scores4(k, base, stride, q, qo + g * headSize, headSize, scores, g * n, n);
        }
        for (; g < heads; g++) {
            scores1(k, base, stride, q, qo + g * headSize, headSize, scores, g * n, n);
        }
    }

    /** Four heads: each key vector feeds four FMAs. */
    private static void scores4(float[] k, int base, int stride, float[] q, int qo, int hs, float[] scores, int so, int n) {
        int t = 0;
        for (; t + 2 * L <= n; t += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            for (int d = 0; d < hs; d++) {
                int row = base + d * stride + t;
                FloatVector k0 = FloatVector.fromArray(F, k, row), k1 = FloatVector.fromArray(F, k, row + L);
                FloatVector qa = FloatVector.broadcast(F, q[qo + d]);
                a0 = k0.fma(qa, a0);
                a1 = k1.fma(qa, a1);
                FloatVector qb = FloatVector.broadcast(F, q[qo + hs + d]);
                b0 = k0.fma(qb, b0);
                b1 = k1.fma(qb, b1);
                FloatVector qc = FloatVector.broadcast(F, q[qo + 2 * hs + d]);
                c0 = k0.fma(qc, c0);
                c1 = k1.fma(qc, c1);
                FloatVector qd = FloatVector.broadcast(F, q[qo + 3 * hs + d]);
                d0 = k0.fma(qd, d0);
                d1 = k1.fma(qd, d1);
            }
            a0.intoArray(scores, so + t);
            a1.intoArray(scores, so + t + L);
            b0.intoArray(scores, so + n + t);
            b1.intoArray(scores, so + n + t + L);
            c0.intoArray(scores, so + 2 * n + t);
            c1.intoArray(scores, so + 2 * n + t + L);
            d0.intoArray(scores, so + 3 * n + t);
            d1.intoArray(scores, so + 3 * n + t + L);
        }
        for (int g = 0; g < 4; g++) {
            tail(k, base, stride, q, qo + g * hs, hs, scores, so + g * n, t, n);
        }
    }

    /** One head, four vectors of positions at a time. */
    private static void scores1(float[] k, int base, int stride, float[] q, int qo, int hs, float[] scores, int so, int n) {
        int t = 0;
        for (; t + 4 * L <= n; t += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < hs; d++) {
                int row = base + d * stride + t;
                FloatVector qd = FloatVector.broadcast(F, q[qo + d]);
                a0 = FloatVector.fromArray(F, k, row).fma(qd, a0);
                a1 = FloatVector.fromArray(F, k, row + L).fma(qd, a1);
                a2 = FloatVector.fromArray(F, k, row + 2 * L).fma(qd, a2);
                a3 = FloatVector.fromArray(F, k, row + 3 * L).fma(qd, a3);
            }
            a0.intoArray(scores, so + t);
            a1.intoArray(scores, so + t + L);
            a2.intoArray(scores, so + t + 2 * L);
            a3.intoArray(scores, so + t + 3 * L);
        }
        tail(k, base, stride, q, qo, hs, scores, so, t, n);
    }

    /** Positions {@code [from, n)} of one head: vectors of 8, then scalars, same chain order. */
    private static void tail(float[] k, int base, int stride, float[] q, int qo, int hs, float[] scores, int so, int from, int n) {
        int t = from;
        for (; t + L <= n; t += L) {
            FloatVector a = FloatVector.zero(F);
            for (int d = 0; d < hs; d++) {
                a = FloatVector.fromArray(F, k, base + d * stride + t).fma(FloatVector.broadcast(F, q[qo + d]), a);
            }
            a.intoArray(scores, so + t);
        }
        for (; t < n; t++) {
            float s = 0f;
            for (int d = 0; d < hs; d++) {
                s = Math.fma(k[base + d * stride + t], q[qo + d], s);
            }
            scores[so + t] = s;
        }
    }

    /**
     * For each of {@code heads} heads g: {@code out[oo + g*headSize + c] = sum over t < n, in
     * order, of v[base + t*stride + c] * scores[g*n + t]}, for {@code c < headSize}. Values are
     * stored one row per position.
     */
    public static void weightedSum(float[] v, int base, int stride, float[] scores, int n, int headSize, int heads,
                                   float[] out, int oo) {
        int g = 0;
        for (; g + 4 <= heads; g += 4) {
            sum4(v, base, stride, scores, g * n, n, headSize, out, oo + g * headSize);
        }
        for (; g < heads; g++) {
            sum1(v, base, stride, scores, g * n, n, headSize, out, oo + g * headSize, 0);
        }
    }

    /** Four heads, two vectors of dimensions at a time: each value vector feeds four FMAs. */
    private static void sum4(float[] v, int base, int stride, float[] s, int so, int n, int hs, float[] out, int oo) {
        int c = 0;
        for (; c + 2 * L <= hs; c += 2 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            for (int t = 0; t < n; t++) {
                int row = base + t * stride + c;
                FloatVector v0 = FloatVector.fromArray(F, v, row), v1 = FloatVector.fromArray(F, v, row + L);
                FloatVector sa = FloatVector.broadcast(F, s[so + t]);
                a0 = v0.fma(sa, a0);
                a1 = v1.fma(sa, a1);
                FloatVector sb = FloatVector.broadcast(F, s[so + n + t]);
                b0 = v0.fma(sb, b0);
                b1 = v1.fma(sb, b1);
                FloatVector sc = FloatVector.broadcast(F, s[so + 2 * n + t]);
                c0 = v0.fma(sc, c0);
                c1 = v1.fma(sc, c1);
                FloatVector sd = FloatVector.broadcast(F, s[so + 3 * n + t]);
                d0 = v0.fma(sd, d0);
                d1 = v1.fma(sd, d1);
            }
            a0.intoArray(out, oo + c);
            a1.intoArray(out, oo + c + L);
            b0.intoArray(out, oo + hs + c);
            b1.intoArray(out, oo + hs + c + L);
            c0.intoArray(out, oo + 2 * hs + c);
            c1.intoArray(out, oo + 2 * hs + c + L);
            d0.intoArray(out, oo + 3 * hs + c);
            d1.intoArray(out, oo + 3 * hs + c + L);
        }
        for (int g = 0; g < 4; g++) {
            sum1(v, base, stride, s, so + g * n, n, hs, out, oo + g * hs, c);
        }
    }

    /** One head, dimensions {@code [from, hs)}: four vectors, then one, then scalars, same chain order. */
    private static void sum1(float[] v, int base, int stride, float[] s, int so, int n, int hs, float[] out, int oo, int from) {
        int c = from;
        int full = hs & -L;
        for (; c + 4 * L <= full; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < n; t++) {
                int row = base + t * stride + c;
                FloatVector st = FloatVector.broadcast(F, s[so + t]);
                a0 = FloatVector.fromArray(F, v, row).fma(st, a0);
                a1 = FloatVector.fromArray(F, v, row + L).fma(st, a1);
                a2 = FloatVector.fromArray(F, v, row + 2 * L).fma(st, a2);
                a3 = FloatVector.fromArray(F, v, row + 3 * L).fma(st, a3);
            }
            a0.intoArray(out, oo + c);
            a1.intoArray(out, oo + c + L);
            a2.intoArray(out, oo + c + 2 * L);
            a3.intoArray(out, oo + c + 3 * L);
        }
        for (; c < full; c += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int t = 0; t < n; t++) {
                acc = FloatVector.fromArray(F, v, base + t * stride + c).fma(FloatVector.broadcast(F, s[so + t]), acc);
            }
            acc.intoArray(out, oo + c);
        }
        for (; c < hs; c++) {
            float acc = 0f;
            for (int t = 0; t < n; t++) {
                acc = Math.fma(v[base + t * stride + c], s[so + t], acc);
            }
            out[oo + c] = acc;
        }
    }
}
