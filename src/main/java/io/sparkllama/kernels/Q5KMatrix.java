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
 * Q5_K (see {@link Q45KMatrix}), with a fused single-sequence kernel shaped as Q4_K's: two
 * panels, two sub-blocks per byte load; the fifth bits of chunk c are bits {@code 2c} and
 * {@code 2c + 1} of {@code qh[l]}, shifted once per load into place.
 */
final class Q5KMatrix extends Q45KMatrix {
    private static final int QH = 0;
    private static final int QS = 32;
    private static final int GROUP = 2;

    Q5KMatrix(String name, int rows, int cols, byte[] blocks) {
        super(name, GgmlType.Q5_K, rows, cols, blocks, GROUP);
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
            int q0 = rawIndex(p, blk, QS), q1 = q0 + panelBytes, h0 = rawIndex(p, blk, QH), h1 = h0 + panelBytes;
            for (int c = 0; c < 4; c++) {
                FloatVector ta0 = FloatVector.zero(F), tb0 = ta0, ta1 = ta0, tb1 = ta0;
                int xc = blk * 256 + 64 * c, qc = 32 * c * PANEL, shift = 2 * c;
                for (int l = 0; l < 32; l++) {
                    FloatVector xa = FloatVector.broadcast(F, x[xc + l]), xb = FloatVector.broadcast(F, x[xc + 32 + l]);
                    int o = qc + l * PANEL, oh = l * PANEL;
                    IntVector b = (IntVector) ByteVector.fromArray(B, raw, q0 + o).convertShape(VectorOperators.B2I, I, 0);
                    IntVector h = ((IntVector) ByteVector.fromArray(B, raw, h0 + oh).convertShape(VectorOperators.B2I, I, 0))
                            .lanewise(VectorOperators.LSHR, shift);
                    ta0 = ((FloatVector) b.and(0xF).or(h.and(1).lanewise(VectorOperators.LSHL, 4))
                            .convertShape(VectorOperators.I2F, F, 0)).fma(xa, ta0);
                    tb0 = ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h.and(2).lanewise(VectorOperators.LSHL, 3))
                            .convertShape(VectorOperators.I2F, F, 0)).fma(xb, tb0);
                    b = (IntVector) ByteVector.fromArray(B, raw, q1 + o).convertShape(VectorOperators.B2I, I, 0);
                    h = ((IntVector) ByteVector.fromArray(B, raw, h1 + oh).convertShape(VectorOperators.B2I, I, 0))
                            .lanewise(VectorOperators.LSHR, shift);
                    ta1 = ((FloatVector) b.and(0xF).or(h.and(1).lanewise(VectorOperators.LSHL, 4))
                            .convertShape(VectorOperators.I2F, F, 0)).fma(xa, ta1);
                    tb1 = ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).and(0xF).or(h.and(2).lanewise(VectorOperators.LSHL, 3))
                            .convertShape(VectorOperators.I2F, F, 0)).fma(xb, tb1);
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
}
