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
 * Q6_K: blocks of 256 = 16 sub-blocks of 16, 6-bit values {@code n}: low nibbles in 128 bytes
 * {@code ql} at 0, high two bits in 64 bytes {@code qh} at 128, a signed 8-bit scale {@code sc}
 * per sub-block at 192, fp16 {@code d} at 208; weight {@code d*sc * (n - 32)}. Weight
 * {@code 128h + 32g + l} (half h, group g of 4, l &lt; 32) takes its nibble from
 * {@code ql[64h + 32(g%2) + l]} (low for g &lt; 2, high otherwise) and its high bits from bits
 * {@code 2g, 2g+1} of {@code qh[32h + l]}; its sub-block is {@code 8h + 2g + l/16}.
 *
 * <p>Kept as {@link Int8Matrix} bytes {@code n - 32} (so no offsets), with {@code d} as a float
 * (times {@code 2^-24}) per block and row and the 16 {@code sc} as bytes: 8.6 bits per weight,
 * for a product several times faster than one that splits nibbles and high bits per weight.
 */
final class Q6KMatrix extends Int8Matrix {
    private static final int QK = 256;
    private static final int BLOCK_BYTES = 210;

    /** {@code d * 2^-24}, {@code [panel][block][lane]}. */
    private final float[] d;
    /** The sub-blocks' scales, {@code [panel][block][16][lane]}. */
    private final byte[] codes;
    private final int blocksPerRow;

    Q6KMatrix(String name, int rows, int cols, byte[] blocks) {
        super(name, rows, cols, 16, QK);
        if (blocks.length != (long) rows * cols / QK * BLOCK_BYTES) {
            throw new IllegalArgumentException(name + ": Q6_K data does not fit " + rows + "x" + cols);
        }
        this.blocksPerRow = cols / QK;
        this.d = new float[panels * blocksPerRow * PANEL];
        this.codes = new byte[panels * blocksPerRow * 16 * PANEL];
        byte[] n = new byte[QK];
        for (int p = 0; p < panels; p++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                for (int lane = 0, r = p * PANEL; lane < PANEL && r < rows; lane++, r++) {
                    int at = (r * blocksPerRow + blk) * BLOCK_BYTES;
                    d[(p * blocksPerRow + blk) * PANEL + lane] = fileScale(blocks, at + 208, r, blk) * 0x1p-24f;
                    for (int j = 0; j < 16; j++) {
                        codes[((p * blocksPerRow + blk) * 16 + j) * PANEL + lane] = blocks[at + 192 + j];
                    }
                    for (int h = 0; h < 2; h++) {
                        for (int l = 0; l < 32; l++) {
                            int la = blocks[at + 64 * h + l] & 0xFF, lb = blocks[at + 64 * h + 32 + l] & 0xFF;
                            int qh = blocks[at + 128 + 32 * h + l] & 0xFF, w = 128 * h + l;
                            n[w] = (byte) (((la & 0xF) | (qh & 3) << 4) - 32);
                            n[w + 32] = (byte) (((lb & 0xF) | (qh >> 2 & 3) << 4) - 32);
                            n[w + 64] = (byte) (((la >> 4) | (qh >> 4 & 3) << 4) - 32);
                            n[w + 96] = (byte) (((lb >> 4) | (qh >> 6 & 3) << 4) - 32);
                        }
                    }
                    set(r, blk * QK, n, 0, QK);
                }
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    protected long scaleBytes() {
        return 4L * d.length + codes.length;
    }

    @Override
    protected float scale(int r, int j) {
        int blk = j / 16, i = (r / PANEL) * blocksPerRow + blk;
        return d[i * PANEL + r % PANEL] * codes[(i * 16 + j % 16) * PANEL + r % PANEL];
    }

    /** ggml computes {@code (d*sc) * (n - 32)}, whose product may round: the same here (the 2^24 factors cancel exactly). */
    @Override
    protected float scalarWeight(int r, int c) {
        return scale(r, c / 16) * quant(r, c);
    }

    @Override
    protected void scaleBlockScales(int p, int blk, float[] dst, int off) {
        int i = p * blocksPerRow + blk;
        FloatVector dv = FloatVector.fromArray(F, d, i * PANEL);
        for (int j = 0; j < 16; j++) {
            dv.mul((FloatVector) ByteVector.fromArray(B, codes, (i * 16 + j) * PANEL).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(dst, off + j * PANEL);
        }
    }

    /**
     * Per block, the scales of the three panels' 16 sub-blocks; per sub-block, one chain per panel
     * over its four column groups, then one fma by each panel's scale. Constant loop counts.
     */
    @Override
    protected void panelGroupTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x;
        float[] sc = ThreadBuffers.floats(ThreadBuffers.SCALES, GROUP * 16 * PANEL);
        int panelInts = cols * PANEL / COLS_PER_INT;
        int q0 = p * panelInts, q1 = q0 + panelInts, q2 = q1 + panelInts;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            scaleBlockScales(p, blk, sc, 0);
            scaleBlockScales(p + 1, blk, sc, 16 * PANEL);
            scaleBlockScales(p + 2, blk, sc, 32 * PANEL);
            for (int j = 0; j < 16; j++) {
                FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0;
                for (int k = 0; k < 4; k++) {
                    int g = (blk * QK + 16 * j) / COLS_PER_INT + k, c = g * COLS_PER_INT, o = g * PANEL;
                    FloatVector x0 = FloatVector.broadcast(F, x[c]), x1 = FloatVector.broadcast(F, x[c + 1]);
                    FloatVector x2 = FloatVector.broadcast(F, x[c + 2]), x3 = FloatVector.broadcast(F, x[c + 3]);
                    IntVector v = IntVector.fromArray(I, q, q0 + o);
                    t0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0)).fma(x0, t0);
                    t0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x1, t0);
                    t0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x2, t0);
                    t0 = ((FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x3, t0);
                    v = IntVector.fromArray(I, q, q1 + o);
                    t1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0)).fma(x0, t1);
                    t1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x1, t1);
                    t1 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x2, t1);
                    t1 = ((FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x3, t1);
                    v = IntVector.fromArray(I, q, q2 + o);
                    t2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0)).fma(x0, t2);
                    t2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x1, t2);
                    t2 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x2, t2);
                    t2 = ((FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0)).fma(x3, t2);
                }
                int sj = j * PANEL;
                a0 = t0.fma(FloatVector.fromArray(F, sc, sj), a0);
                a1 = t1.fma(FloatVector.fromArray(F, sc, 16 * PANEL + sj), a1);
                a2 = t2.fma(FloatVector.fromArray(F, sc, 32 * PANEL + sj), a2);
            }
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
    }

    @Override
    protected void panelTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x;
        float[] sc = ThreadBuffers.floats(ThreadBuffers.SCALES, 16 * PANEL);
        int q0 = p * cols * PANEL / COLS_PER_INT;
        FloatVector a0 = FloatVector.zero(F);
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            scaleBlockScales(p, blk, sc, 0);
            for (int j = 0; j < 16; j++) {
                FloatVector t0 = FloatVector.zero(F);
                for (int k = 0; k < 4; k++) {
                    int g = (blk * QK + 16 * j) / COLS_PER_INT + k, c = g * COLS_PER_INT;
                    IntVector v = IntVector.fromArray(I, q, q0 + g * PANEL);
                    t0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.broadcast(F, x[c]), t0);
                    t0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.broadcast(F, x[c + 1]), t0);
                    t0 = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.broadcast(F, x[c + 2]), t0);
                    t0 = ((FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0))
                            .fma(FloatVector.broadcast(F, x[c + 3]), t0);
                }
                a0 = t0.fma(FloatVector.fromArray(F, sc, j * PANEL), a0);
            }
        }
        a0.intoArray(res, 0);
    }
}
