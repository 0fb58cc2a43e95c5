package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Panels.F;

/**
 * Products of quantized panels given as floats (their integers, unscaled, laid out as
 * {@link Panels} lays out F32: {@code w[c*P + lane]}) with activation rows, in
 * {@link QuantMatrix}'s order: per sub-block a chain over its columns, folded into the total
 * with one fma by the sub-block's scale, then, when {@code xs} is not null, one fma of its
 * offset by the activations' sub-block sum. Scales and offsets are given per sub-block,
 * {@code s[so + j*P + lane]}; the sums per activation row, {@code xs[xso + j]}.
 *
 * <p>Every kernel continues the totals it finds in {@code acc} and leaves them there, so a
 * product may run in chunks of whole sub-blocks. Chains run 16 columns at a time in constant-trip
 * loops (C2 compiles those markedly better than loops between computed bounds); a sub-block of
 * 32 is one chain over two such steps. As in {@link Panels}, one kernel is written out for each
 * shape (the JIT rule on {@link Dot}).
 */
final class QuantPanels {
    private static final int P = Panels.ROWS;
    private static final int STEP = 16;

    private QuantPanels() {
    }

    /**
     * Four panels at {@code w[w0 + i*stride ..]} (scales and offsets at {@code so + i*sStride})
     * times columns {@code [0, n)} of the activation row at {@code x[xo ..]}: totals in
     * {@code acc[i*P ..]}.
     */
    static void panels4Times1(float[] w, int w0, int stride, float[] s, float[] o, int so, int sStride, int n, int sub,
                              float[] x, int xo, float[] xs, int xso, float[] acc) {
        int w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        FloatVector a0 = FloatVector.fromArray(F, acc, 0), a1 = FloatVector.fromArray(F, acc, P);
        FloatVector a2 = FloatVector.fromArray(F, acc, 2 * P), a3 = FloatVector.fromArray(F, acc, 3 * P);
        int steps = sub / STEP;
        for (int j = 0, c0 = 0; c0 < n; j++, c0 += sub) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int h = 0; h < steps; h++) {
                int cb = c0 + h * STEP;
                for (int k = 0; k < STEP; k++) {
                    int c = cb + k, wo = c * P;
                    FloatVector xv = FloatVector.broadcast(F, x[xo + c]);
                    t0 = FloatVector.fromArray(F, w, w0 + wo).fma(xv, t0);
                    t1 = FloatVector.fromArray(F, w, w1 + wo).fma(xv, t1);
                    t2 = FloatVector.fromArray(F, w, w2 + wo).fma(xv, t2);
                    t3 = FloatVector.fromArray(F, w, w3 + wo).fma(xv, t3);
                }
            }
            int sj = so + j * P;
            a0 = t0.fma(FloatVector.fromArray(F, s, sj), a0);
            a1 = t1.fma(FloatVector.fromArray(F, s, sj + sStride), a1);
            a2 = t2.fma(FloatVector.fromArray(F, s, sj + 2 * sStride), a2);
            a3 = t3.fma(FloatVector.fromArray(F, s, sj + 3 * sStride), a3);
            if (xs != null) {
                FloatVector sum = FloatVector.broadcast(F, xs[xso + j]);
                a0 = FloatVector.fromArray(F, o, sj).fma(sum, a0);
                a1 = FloatVector.fromArray(F, o, sj + sStride).fma(sum, a1);
                a2 = FloatVector.fromArray(F, o, sj + 2 * sStride).fma(sum, a2);
                a3 = FloatVector.fromArray(F, o, sj + 3 * sStride).fma(sum, a3);
            }
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, P);
        a2.intoArray(acc, 2 * P);
        a3.intoArray(acc, 3 * P);
    }

    /** The panel at {@code w[w0 ..]} (scales and offsets at {@code so}) times one activation row: total in {@code acc[ao ..]}. */
    static void panelTimes1(float[] w, int w0, float[] s, float[] o, int so, int n, int sub,
                            float[] x, int xo, float[] xs, int xso, float[] acc, int ao) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ao);
        int steps = sub / STEP;
        for (int j = 0, c0 = 0; c0 < n; j++, c0 += sub) {
            FloatVector t0 = FloatVector.zero(F);
            for (int h = 0; h < steps; h++) {
                int cb = c0 + h * STEP;
                for (int k = 0; k < STEP; k++) {
                    int c = cb + k;
                    t0 = FloatVector.fromArray(F, w, w0 + c * P).fma(FloatVector.broadcast(F, x[xo + c]), t0);
                }
            }
            a0 = t0.fma(FloatVector.fromArray(F, s, so + j * P), a0);
            if (xs != null) {
                a0 = FloatVector.fromArray(F, o, so + j * P).fma(FloatVector.broadcast(F, xs[xso + j]), a0);
            }
        }
        a0.intoArray(acc, ao);
    }

    /**
     * Panels at {@code w[w0 ..]} (scales and offsets at {@code so}) and {@code w[w1 ..]} (at
     * {@code so + sStride}) times four activation rows {@code xStride} apart from {@code x[xo ..]}
     * (sums {@code xsStride} apart from {@code xs[xso]}): row i, panel j at {@code acc[ao + (2*i + j)*P]}.
     */
    static void panels2Times4(float[] w, int w0, int w1, float[] s, float[] o, int so, int sStride, int n, int sub,
                              float[] x, int xo, int xStride, float[] xs, int xso, int xsStride, float[] acc, int ao) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        FloatVector a0 = FloatVector.fromArray(F, acc, ao), b0 = FloatVector.fromArray(F, acc, ao + P);
        FloatVector a1 = FloatVector.fromArray(F, acc, ao + 2 * P), b1 = FloatVector.fromArray(F, acc, ao + 3 * P);
        FloatVector a2 = FloatVector.fromArray(F, acc, ao + 4 * P), b2 = FloatVector.fromArray(F, acc, ao + 5 * P);
        FloatVector a3 = FloatVector.fromArray(F, acc, ao + 6 * P), b3 = FloatVector.fromArray(F, acc, ao + 7 * P);
        int steps = sub / STEP;
        for (int j = 0, c0 = 0; c0 < n; j++, c0 += sub) {
            FloatVector ta0 = FloatVector.zero(F), ta1 = ta0, ta2 = ta0, ta3 = ta0;
            FloatVector tb0 = ta0, tb1 = ta0, tb2 = ta0, tb3 = ta0;
            for (int h = 0; h < steps; h++) {
                int cb = c0 + h * STEP;
                for (int k = 0; k < STEP; k++) {
                    int c = cb + k, wo = c * P;
                    FloatVector v = FloatVector.fromArray(F, w, w0 + wo), u = FloatVector.fromArray(F, w, w1 + wo);
                    FloatVector xv = FloatVector.broadcast(F, x[x0 + c]);
                    ta0 = v.fma(xv, ta0);
                    tb0 = u.fma(xv, tb0);
                    xv = FloatVector.broadcast(F, x[x1 + c]);
                    ta1 = v.fma(xv, ta1);
                    tb1 = u.fma(xv, tb1);
                    xv = FloatVector.broadcast(F, x[x2 + c]);
                    ta2 = v.fma(xv, ta2);
                    tb2 = u.fma(xv, tb2);
                    xv = FloatVector.broadcast(F, x[x3 + c]);
                    ta3 = v.fma(xv, ta3);
                    tb3 = u.fma(xv, tb3);
                }
            }
            int sj = so + j * P;
            FloatVector d = FloatVector.fromArray(F, s, sj), e = FloatVector.fromArray(F, s, sj + sStride);
            a0 = ta0.fma(d, a0);
            b0 = tb0.fma(e, b0);
            a1 = ta1.fma(d, a1);
            b1 = tb1.fma(e, b1);
            a2 = ta2.fma(d, a2);
            b2 = tb2.fma(e, b2);
            a3 = ta3.fma(d, a3);
            b3 = tb3.fma(e, b3);
            if (xs != null) {
                d = FloatVector.fromArray(F, o, sj);
                e = FloatVector.fromArray(F, o, sj + sStride);
                int xj = xso + j;
                FloatVector sum = FloatVector.broadcast(F, xs[xj]);
                a0 = d.fma(sum, a0);
                b0 = e.fma(sum, b0);
                sum = FloatVector.broadcast(F, xs[xj + xsStride]);
                a1 = d.fma(sum, a1);
                b1 = e.fma(sum, b1);
                sum = FloatVector.broadcast(F, xs[xj + 2 * xsStride]);
                a2 = d.fma(sum, a2);
                b2 = e.fma(sum, b2);
                sum = FloatVector.broadcast(F, xs[xj + 3 * xsStride]);
                a3 = d.fma(sum, a3);
                b3 = e.fma(sum, b3);
            }
        }
        a0.intoArray(acc, ao);
        b0.intoArray(acc, ao + P);
        a1.intoArray(acc, ao + 2 * P);
        b1.intoArray(acc, ao + 3 * P);
        a2.intoArray(acc, ao + 4 * P);
        b2.intoArray(acc, ao + 5 * P);
        a3.intoArray(acc, ao + 6 * P);
        b3.intoArray(acc, ao + 7 * P);
    }
}
