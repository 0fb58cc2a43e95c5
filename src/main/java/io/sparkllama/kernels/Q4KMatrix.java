package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.sparkllama.kernels.Panels.B;
import static io.sparkllama.kernels.Panels.F;
import static io.sparkllama.kernels.Panels.I;

/**
 * Q4_K (see {@link Q45KMatrix}), with a fused single-sequence kernel: two panels at a time,
 * straight from the file's bytes. One load of byte {@code 32c + l} per lane gives the weights of
 * two sub-blocks ({@code 64c + l} in the low nibble, {@code 64c + 32 + l} in the high one), so
 * each panel runs two chains at once and folds them in sub-block order at the end of the chunk.
 */
final class Q4KMatrix extends Q45KMatrix {
    private static final int QS = 0;
    private static final int GROUP = 2;

    Q4KMatrix(String name, int rows, int cols, byte[] blocks) {
        super(name, GgmlType.Q4_K, rows, cols, blocks, GROUP);
    }

    @Override
    protected void panelGroupTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x, xs = a.sums(32);
        float[] sc = ThreadBuffers.floats(ThreadBuffers.SCALES, 2 * 16 * PANEL);
        int panelBytes = blocksPerRow * quantBytes * PANEL;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            blockScales(p, blk, sc, 0);
            blockScales(p + 1, blk, sc, 16 * PANEL);
            int q0 = rawIndex(p, blk, QS), q1 = q0 + panelBytes;
            for (int c = 0; c < 4; c++) {
                FloatVector ta0 = FloatVector.zero(F), tb0 = ta0, ta1 = ta0, tb1 = ta0;
                int xc = blk * 256 + 64 * c, qc = 32 * c * PANEL;
                for (int l = 0; l < 32; l++) {
                    FloatVector xa = FloatVector.broadcast(F, x[xc + l]), xb = FloatVector.broadcast(F, x[xc + 32 + l]);
                    int o = qc + l * PANEL;
                    IntVector b = (IntVector) ByteVector.fromArray(B, raw, q0 + o).convertShape(VectorOperators.B2I, I, 0);
                    ta0 = ((FloatVector) b.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(xa, ta0);
                    tb0 = ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(xb, tb0);
                    b = (IntVector) ByteVector.fromArray(B, raw, q1 + o).convertShape(VectorOperators.B2I, I, 0);
                    ta1 = ((FloatVector) b.and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(xa, ta1);
                    tb1 = ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(xb, tb1);
                }
                int ja = 2 * c, jb = ja + 1, xj = blk * 8 + ja;
                FloatVector sa = FloatVector.broadcast(F, xs[xj]), sb = FloatVector.broadcast(F, xs[xj + 1]);
                acc0 = ta0.fma(FloatVector.fromArray(F, sc, ja * PANEL), acc0);
                acc0 = FloatVector.fromArray(F, sc, (8 + ja) * PANEL).fma(sa, acc0);
                acc0 = tb0.fma(FloatVector.fromArray(F, sc, jb * PANEL), acc0);
                acc0 = FloatVector.fromArray(F, sc, (8 + jb) * PANEL).fma(sb, acc0);
                acc1 = ta1.fma(FloatVector.fromArray(F, sc, (16 + ja) * PANEL), acc1);
                acc1 = FloatVector.fromArray(F, sc, (24 + ja) * PANEL).fma(sa, acc1);
                acc1 = tb1.fma(FloatVector.fromArray(F, sc, (16 + jb) * PANEL), acc1);
                acc1 = FloatVector.fromArray(F, sc, (24 + jb) * PANEL).fma(sb, acc1);
            }
        }
        acc0.intoArray(res, 0);
        acc1.intoArray(res, PANEL);
    }

    @Override
    protected boolean hasEightKernel() {
        return true;
    }

    /**
     * As {@link Int8Matrix#panelTimesEight}, one sub-block at a time: the low or high nibbles of
     * its 32 bytes are made in registers, stored (into the chunk's floats, or a small per-thread
     * sink) and fed to eight chains; at the sub-block's end the chains are folded into the totals
     * with the scale, then the offset times the row's sub-block sum.
     */
    @Override
    protected void panelTimesEight(int p, int i, int c0, int c1, Activations a, float[] acc, boolean keep) {
        int n = c1 - c0, subs = n / 32;
        float[] xi = a.interleaved(), xs = a.sums(32);
        float[] s = ThreadBuffers.floats(ThreadBuffers.SCALES, 2 * (n / 16) * PANEL);
        float[] o = ThreadBuffers.floats(ThreadBuffers.OFFSETS, 2 * (n / 16) * PANEL);
        int so = i * subs * PANEL;
        float[] dst = keep ? ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * n * PANEL)
                : ThreadBuffers.floats(ThreadBuffers.SINK, PANEL);
        int stride = keep ? PANEL : 0, wo0 = keep ? i * n * PANEL : 0;
        int t = i * PANEL, ts = 2 * PANEL;
        for (int j = 0, js = c0 / 32; j < subs; j++, js++) {
            int blk = js / 8, jj = js % 8, shift = 4 * (jj % 2), q0 = rawIndex(p, blk, QS + 32 * (jj / 2));
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int l = 0; l < 32; l++) {
                int c = js * 32 + l, xo = c * Activations.EIGHT;
                FloatVector w = (FloatVector) ((IntVector) ByteVector.fromArray(B, raw, q0 + l * PANEL)
                        .convertShape(VectorOperators.B2I, I, 0)).lanewise(VectorOperators.LSHR, shift).and(0xF)
                        .convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo0 + (c - c0) * stride);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 1]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 2]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 3]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 4]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 5]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 6]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 7]), a7);
            }
            FloatVector d = FloatVector.fromArray(F, halves, halfIndex(p, blk, 0))
                    .mul((FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, jj)).convertShape(VectorOperators.B2F, F, 0));
            FloatVector off = FloatVector.fromArray(F, halves, halfIndex(p, blk, 1)).neg()
                    .mul((FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, 8 + jj)).convertShape(VectorOperators.B2F, F, 0));
            d.intoArray(s, so + j * PANEL);
            off.intoArray(o, so + j * PANEL);
            int xj = js;
            off.fma(FloatVector.broadcast(F, xs[xj]), a0.fma(d, FloatVector.fromArray(F, acc, t))).intoArray(acc, t);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a1.fma(d, FloatVector.fromArray(F, acc, t + ts))).intoArray(acc, t + ts);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a2.fma(d, FloatVector.fromArray(F, acc, t + 2 * ts))).intoArray(acc, t + 2 * ts);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a3.fma(d, FloatVector.fromArray(F, acc, t + 3 * ts))).intoArray(acc, t + 3 * ts);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a4.fma(d, FloatVector.fromArray(F, acc, t + 4 * ts))).intoArray(acc, t + 4 * ts);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a5.fma(d, FloatVector.fromArray(F, acc, t + 5 * ts))).intoArray(acc, t + 5 * ts);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a6.fma(d, FloatVector.fromArray(F, acc, t + 6 * ts))).intoArray(acc, t + 6 * ts);
            xj += subsPerRow;
            off.fma(FloatVector.broadcast(F, xs[xj]), a7.fma(d, FloatVector.fromArray(F, acc, t + 7 * ts))).intoArray(acc, t + 7 * ts);
        }
    }
}
