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
 * Q4_0 weights: blocks of 32 four-bit values {@code n} after an fp16 scale {@code d}; a weight is
 * {@code (n - 8) * d}, so in {@link QuantMatrix}'s terms {@code q = n}, scale {@code d}, offset
 * {@code -8 d}. In the file, weight j of a block is the low nibble of byte j (j &lt; 16) or the
 * high nibble of byte j-16. Here they are re-paired into {@link Panels}: one byte per row holds
 * two neighbouring columns (low nibble the even one), so one load of a byte per lane gives two
 * panel columns in summation order. The scales are kept as floats, one per block and row.
 */
final class Q4Matrix extends QuantMatrix {
    private static final int QK = 32;
    private static final int BLOCK_BYTES = 18;
    /** Bytes of one panel's block: 16 column pairs, one byte per row each. */
    private static final int PANEL_BLOCK = QK / 2 * PANEL;

    /** {@code packed[((panel * blocksPerRow + blk) * 16 + pair) * P + lane]}; padding rows hold zeros. */
    private final byte[] packed;
    /** Block scales, {@code [panel][block][lane]}; padding rows are 0. */
    private final float[] scales;
    private final int blocksPerRow;

    /** {@code blocks} as in the file: row after row, blocks in column order. */
    Q4Matrix(String name, int rows, int cols, byte[] blocks) {
        super(name, rows, cols, Panels.GROUP, QK, true);
        if (blocks.length != (long) rows * cols / QK * BLOCK_BYTES) {
            throw new IllegalArgumentException(name + ": Q4_0 data does not fit " + rows + "x" + cols);
        }
        this.blocksPerRow = cols / QK;
        this.packed = new byte[panels * blocksPerRow * PANEL_BLOCK];
        this.scales = new float[panels * blocksPerRow * PANEL];
        for (int p = 0; p < panels; p++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                for (int r = p * PANEL; r < Math.min(rows, (p + 1) * PANEL); r++) {
                    int file = (r * blocksPerRow + blk) * BLOCK_BYTES;
                    scales[scaleIndex(r, blk)] = fileScale(blocks, file, r, blk);
                    int panel = ((r / PANEL) * blocksPerRow + blk) * PANEL_BLOCK + r % PANEL, qs = file + 2;
                    // weight j is the low nibble of byte j (j < 16), else the high nibble of byte j - 16
                    for (int pair = 0; pair < 8; pair++) {
                        int a = blocks[qs + 2 * pair] & 0xFF, b = blocks[qs + 2 * pair + 1] & 0xFF;
                        packed[panel + pair * PANEL] = (byte) (a & 0x0F | (b & 0x0F) << 4);
                        packed[panel + (pair + 8) * PANEL] = (byte) (a >> 4 | b & 0xF0);
                    }
                }
            }
        }
    }

    private int scaleIndex(int r, int blk) {
        return ((r / PANEL) * blocksPerRow + blk) * PANEL + r % PANEL;
    }

    private int scaleStart(int p) {
        return p * blocksPerRow * PANEL;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public long bytes() {
        return packed.length + 4L * scales.length;
    }

    @Override
    protected int quant(int r, int c) {
        int b = packed[((r / PANEL) * blocksPerRow + c / QK) * PANEL_BLOCK + (c % QK / 2) * PANEL + r % PANEL] & 0xFF;
        return (c & 1) == 0 ? b & 0x0F : b >>> 4;
    }

    @Override
    protected float scale(int r, int j) {
        return scales[scaleIndex(r, j)];
    }

    @Override
    protected float offset(int r, int j) {
        return -8f * scales[scaleIndex(r, j)];
    }

    @Override
    protected float scalarWeight(int r, int c) {
        return (quant(r, c) - 8) * scale(r, c / QK);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        int base = p * blocksPerRow * PANEL_BLOCK;
        for (int blk = c0 / QK, i = 0; blk < c1 / QK; blk++, i++) {
            FloatVector d = FloatVector.fromArray(F, scales, scaleStart(p) + blk * PANEL);
            d.intoArray(s, so + i * PANEL);
            d.mul(-8f).intoArray(o, so + i * PANEL);
            for (int k = 0; k < QK; k += 2) {
                int c = blk * QK + k;
                IntVector b = (IntVector) ByteVector.fromArray(B, packed, base + c / 2 * PANEL).convertShape(VectorOperators.B2I, I, 0);
                int out = qo + (c - c0) * PANEL;
                ((FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out);
                ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0))
                        .intoArray(q, out + PANEL);
            }
        }
    }

    /**
     * Per block, one chain per panel over the block's columns, then one fma by each panel's
     * scale and one by its offset (-8 times the scale) and the block's activation sum.
     */
    @Override
    protected void panelGroupTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x, xs = a.sums(QK);
        int panelBytes = blocksPerRow * PANEL_BLOCK;
        int q0 = p * panelBytes, q1 = q0 + panelBytes, q2 = q1 + panelBytes, q3 = q2 + panelBytes;
        int s0 = scaleStart(p), s1 = scaleStart(p + 1), s2 = scaleStart(p + 2), s3 = scaleStart(p + 3);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int k = 0; k < QK; k += 2) {
                int c = blk * QK + k;
                FloatVector xe = FloatVector.broadcast(F, x[c]), xo = FloatVector.broadcast(F, x[c + 1]);
                int o = c / 2 * PANEL;
                IntVector b = (IntVector) ByteVector.fromArray(B, packed, q0 + o).convertShape(VectorOperators.B2I, I, 0);
                t0 = ((FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t0);
                t0 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t0);
                b = (IntVector) ByteVector.fromArray(B, packed, q1 + o).convertShape(VectorOperators.B2I, I, 0);
                t1 = ((FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t1);
                t1 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t1);
                b = (IntVector) ByteVector.fromArray(B, packed, q2 + o).convertShape(VectorOperators.B2I, I, 0);
                t2 = ((FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t2);
                t2 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t2);
                b = (IntVector) ByteVector.fromArray(B, packed, q3 + o).convertShape(VectorOperators.B2I, I, 0);
                t3 = ((FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t3);
                t3 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t3);
            }
            int sb = blk * PANEL;
            FloatVector sum = FloatVector.broadcast(F, xs[blk]);
            FloatVector d0 = FloatVector.fromArray(F, scales, s0 + sb), d1 = FloatVector.fromArray(F, scales, s1 + sb);
            FloatVector d2 = FloatVector.fromArray(F, scales, s2 + sb), d3 = FloatVector.fromArray(F, scales, s3 + sb);
            a0 = d0.mul(-8f).fma(sum, t0.fma(d0, a0));
            a1 = d1.mul(-8f).fma(sum, t1.fma(d1, a1));
            a2 = d2.mul(-8f).fma(sum, t2.fma(d2, a2));
            a3 = d3.mul(-8f).fma(sum, t3.fma(d3, a3));
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
        a3.intoArray(res, 3 * PANEL);
    }

    @Override
    protected void panelTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x, xs = a.sums(QK);
        int q0 = p * blocksPerRow * PANEL_BLOCK, s0 = scaleStart(p);
        FloatVector a0 = FloatVector.zero(F);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F);
            for (int k = 0; k < QK; k += 2) {
                int c = blk * QK + k;
                IntVector b = (IntVector) ByteVector.fromArray(B, packed, q0 + c / 2 * PANEL).convertShape(VectorOperators.B2I, I, 0);
                t0 = ((FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, x[c]), t0);
                t0 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0))
                        .fma(FloatVector.broadcast(F, x[c + 1]), t0);
            }
            FloatVector d0 = FloatVector.fromArray(F, scales, s0 + blk * PANEL);
            a0 = d0.mul(-8f).fma(FloatVector.broadcast(F, xs[blk]), t0.fma(d0, a0));
        }
        a0.intoArray(res, 0);
    }

    @Override
    protected boolean hasEightKernel() {
        return true;
    }

    /**
     * As {@link Int8Matrix#panelTimesEight}: each pair of weight columns is made once in
     * registers, stored (into the chunk's floats, or a small per-thread sink) and fed to eight
     * chains, one per interleaved activation row; at each block's end the chains are folded into
     * the totals with the scale, then the offset times the row's block sum.
     */
    @Override
    protected void panelTimesEight(int p, int i, int c0, int c1, Activations a, float[] acc, boolean keep) {
        int n = c1 - c0, blocks = n / QK;
        float[] xi = a.interleaved(), xs = a.sums(QK);
        float[] s = ThreadBuffers.floats(ThreadBuffers.SCALES, 2 * (n / 16) * PANEL);
        float[] o = ThreadBuffers.floats(ThreadBuffers.OFFSETS, 2 * (n / 16) * PANEL);
        int so = i * blocks * PANEL;
        float[] dst = keep ? ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * n * PANEL)
                : ThreadBuffers.floats(ThreadBuffers.SINK, 2 * PANEL);
        int stride = keep ? 2 * PANEL : 0, wo0 = keep ? i * n * PANEL : 0;
        int t = i * PANEL, ts = 2 * PANEL, q0 = p * blocksPerRow * PANEL_BLOCK;
        for (int j = 0, blk = c0 / QK; j < blocks; j++, blk++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < QK / 2; k++) {
                int pair = blk * (QK / 2) + k, xo = pair * 2 * Activations.EIGHT, wo = wo0 + (pair - c0 / 2) * stride;
                IntVector b = (IntVector) ByteVector.fromArray(B, packed, q0 + pair * PANEL).convertShape(VectorOperators.B2I, I, 0);
                FloatVector w;
                w = (FloatVector) b.and(0x0F).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 1]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 2]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 3]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 4]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 5]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 6]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 7]), a7);
                w = (FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo + PANEL);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo + 8]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 9]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 10]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 11]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 12]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 13]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 14]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 15]), a7);
            }
            FloatVector d = FloatVector.fromArray(F, scales, scaleStart(p) + blk * PANEL), off = d.mul(-8f);
            d.intoArray(s, so + j * PANEL);
            off.intoArray(o, so + j * PANEL);
            int xj = blk;
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
