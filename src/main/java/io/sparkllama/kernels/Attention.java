package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * The two reductions of attention, over float keys and values laid out for reduction-free
 * vector code (see the KV cache): scores with positions in the lanes, and the weighted sum of
 * values with head dimensions in the lanes. Each output element is a plain fma chain in a fixed
 * order, so it does not depend on how many positions are processed together.
 */
public final class Attention {
    private Attention() {
    }

    /**
     * {@code scores[t] = sum over d < headSize, in order, of k[base + d*stride + t] * q[qo + d]}
     * for {@code t < n}: keys stored one row per dimension, positions along the row.
     */
    public static void scores(float[] k, int base, int stride, float[] q, int qo, int headSize, float[] scores, int n) {
        int t = 0;
        for (; t + 4 * L <= n; t += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < headSize; d++) {
                int row = base + d * stride + t;
                FloatVector qd = FloatVector.broadcast(F, q[qo + d]);
                a0 = FloatVector.fromArray(F, k, row).fma(qd, a0);
                a1 = FloatVector.fromArray(F, k, row + L).fma(qd, a1);
                a2 = FloatVector.fromArray(F, k, row + 2 * L).fma(qd, a2);
                a3 = FloatVector.fromArray(F, k, row + 3 * L).fma(qd, a3);
            }
            a0.intoArray(scores, t);
            a1.intoArray(scores, t + L);
            a2.intoArray(scores, t + 2 * L);
            a3.intoArray(scores, t + 3 * L);
        }
        for (; t + L <= n; t += L) {
            FloatVector a = FloatVector.zero(F);
            for (int d = 0; d < headSize; d++) {
                a = FloatVector.fromArray(F, k, base + d * stride + t).fma(FloatVector.broadcast(F, q[qo + d]), a);
            }
            a.intoArray(scores, t);
        }
        for (; t < n; t++) {
            float s = 0f;
            for (int d = 0; d < headSize; d++) {
                s = Math.fma(k[base + d * stride + t], q[qo + d], s);
            }
            scores[t] = s;
        }
    }

    /**
     * {@code out[oo + c] = sum over t < n, in order, of v[base + t*stride + c] * scores[t]} for
     * {@code c < headSize}: values stored one row per position, dimensions along the row.
     */
    public static void weightedSum(float[] v, int base, int stride, float[] scores, int n, int headSize, float[] out, int oo) {
        int full = headSize & -L;
        int c = 0;
        for (; c + 4 * L <= full; c += 4 * L) { // four vectors of dimensions per pass over the positions
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int t = 0; t < n; t++) {
                int row = base + t * stride + c;
                FloatVector st = FloatVector.broadcast(F, scores[t]);
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
                acc = FloatVector.fromArray(F, v, base + t * stride + c).fma(FloatVector.broadcast(F, scores[t]), acc);
            }
            acc.intoArray(out, oo + c);
        }
        for (; c < headSize; c++) {
            float acc = 0f;
            for (int t = 0; t < n; t++) {
                acc = Math.fma(v[base + t * stride + c], scores[t], acc);
            }
            out[oo + c] = acc;
        }
    }
}
