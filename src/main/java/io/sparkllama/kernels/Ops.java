package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * Element-wise and per-row operations of the forward pass: RMSNorm, softmax, SwiGLU's
 * {@code silu(a) * b}, residual add. Each has a fixed order of operations (sums follow
 * {@link Dot}'s reduction order), so results do not depend on where the row sits in a batch.
 */
public final class Ops {
    private Ops() {
    }

    /** {@code out = w * x / sqrt(mean(x^2) + eps)} over {@code n} elements, as llama2.c computes it. */
    public static void rmsNorm(float[] out, int oo, float[] x, int xo, float[] w, int n, float eps) {
        float ss = Dot.dot(x, xo, x, xo, n);
        ss = ss / n + eps;
        float scale = 1f / (float) Math.sqrt(ss);
        int full = n & -L;
        for (int i = 0; i < full; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i).mul(scale);
            FloatVector.fromArray(F, w, i).mul(v).intoArray(out, oo + i);
        }
        for (int i = full; i < n; i++) {
            out[oo + i] = w[i] * (scale * x[xo + i]);
        }
    }

    /** In-place softmax over {@code x[o .. o+n)}. */
    public static void softmax(float[] x, int o, int n) {
        float max = x[o];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, x[o + i]);
        }
        Exp.exp(x, o, x, o, n, max, 1f);
        float inv = 1f / sum(x, o, n);
        int full = n & -L;
        for (int i = 0; i < full; i += L) {
            FloatVector.fromArray(F, x, o + i).mul(inv).intoArray(x, o + i);
        }
        for (int i = full; i < n; i++) {
            x[o + i] *= inv;
        }
    }

    /** Sum of {@code x[o .. o+n)}: 8-lane partial sums in order, the lanes in {@link Dot}'s tree, then the tail. */
    static float sum(float[] x, int o, int n) {
        int full = n & -L;
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < full; i += L) {
            acc = acc.add(FloatVector.fromArray(F, x, o + i));
        }
        float[] t = new float[L];
        acc.intoArray(t, 0);
        float s = Dot.sum8(t, 0);
        for (int i = full; i < n; i++) {
            s += x[o + i];
        }
        return s;
    }

    /**
     * {@code a[i] = silu(a[i]) * b[i]} with {@code silu(v) = v / (1 + exp(-v))}, over
     * {@code [o, o+n)}; {@code tmp} holds at least {@code n} floats.
     */
    public static void swiGlu(float[] a, float[] b, int o, int n, float[] tmp) {
        Exp.exp(a, o, tmp, 0, n, 0f, -1f);
        int full = n & -L;
        for (int i = 0; i < full; i += L) {
            FloatVector v = FloatVector.fromArray(F, a, o + i);
            FloatVector silu = v.div(FloatVector.fromArray(F, tmp, i).add(1f));
            silu.mul(FloatVector.fromArray(F, b, o + i)).intoArray(a, o + i);
        }
        for (int i = full; i < n; i++) {
            a[o + i] = a[o + i] / (tmp[i] + 1f) * b[o + i];
        }
    }

    /** {@code x[i] += y[i]} over {@code x[o .. o+n)}. */
    public static void add(float[] x, float[] y, int o, int n) {
        int full = n & -L;
        for (int i = 0; i < full; i += L) {
            FloatVector.fromArray(F, x, o + i).add(FloatVector.fromArray(F, y, o + i)).intoArray(x, o + i);
        }
        for (int i = full; i < n; i++) {
            x[o + i] += y[o + i];
        }
    }
}
