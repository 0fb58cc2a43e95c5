package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.sparkllama.kernels.Panels.F;
import static io.sparkllama.kernels.Panels.I;

/**
 * Q8_0: blocks of 32 signed bytes after an fp16 scale {@code d}; a weight is {@code q * d}, one
 * sub-block per block. Kept as {@link Int8Matrix} bytes, with the scales as floats (times
 * {@code 2^-24}), one per block and row.
 */
final class Q8Matrix extends Int8Matrix {
    private static final int QK = 32;
    private static final int BLOCK_BYTES = 34;

    /** Block scales times 2^-24, {@code [panel][block][lane]}; padding rows are 0. */
    private final float[] scales;
    private final int blocksPerRow;

    /** {@code blocks} as in the file: row after row, blocks in column order. */
    Q8Matrix(String name, int rows, int cols, byte[] blocks) {
        super(name, rows, cols, QK, QK);
        if (blocks.length != (long) rows * cols / QK * BLOCK_BYTES) {
            throw new IllegalArgumentException(name + ": Q8_0 data does not fit " + rows + "x" + cols);
        }
        this.blocksPerRow = cols / QK;
        this.scales = new float[panels * blocksPerRow * PANEL];
        for (int p = 0; p < panels; p++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                for (int r = p * PANEL; r < Math.min(rows, (p + 1) * PANEL); r++) {
                    int at = (r * blocksPerRow + blk) * BLOCK_BYTES;
                    scales[scaleIndex(r, blk)] = fileScale(blocks, at, r, blk) * 0x1p-24f;
                    set(r, blk * QK, blocks, at + 2, QK);
                }
            }
        }
    }

    private int scaleIndex(int r, int blk) {
        return ((r / PANEL) * blocksPerRow + blk) * PANEL + r % PANEL;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    protected long scaleBytes() {
        return 4L * scales.length;
    }

    @Override
    protected float scale(int r, int j) {
        return scales[scaleIndex(r, j)];
    }

    @Override
    protected void scaleBlockScales(int p, int blk, float[] dst, int off) {
        System.arraycopy(scales, (p * blocksPerRow + blk) * PANEL, dst, off, PANEL);
    }

    /**
     * Per block, one chain per panel over its eight column groups, then one fma by each panel's
     * scale. The block loops count a constant number of steps (k), as in {@link QuantPanels}.
     */
    @Override
    protected void panelGroupTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x;
        int panelInts = cols * PANEL / COLS_PER_INT;
        int q0 = p * panelInts, q1 = q0 + panelInts, q2 = q1 + panelInts;
        int s0 = p * blocksPerRow * PANEL, s1 = s0 + blocksPerRow * PANEL, s2 = s1 + blocksPerRow * PANEL;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0;
            for (int k = 0; k < QK / COLS_PER_INT; k++) {
                int g = blk * (QK / COLS_PER_INT) + k, c = g * COLS_PER_INT, o = g * PANEL;
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
            int sb = blk * PANEL;
            a0 = t0.fma(FloatVector.fromArray(F, scales, s0 + sb), a0);
            a1 = t1.fma(FloatVector.fromArray(F, scales, s1 + sb), a1);
            a2 = t2.fma(FloatVector.fromArray(F, scales, s2 + sb), a2);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
    }

    @Override
    protected void panelTimesOne(int p, Activations a, float[] res) {
        float[] x = a.x;
        int q0 = p * cols * PANEL / COLS_PER_INT, s0 = p * blocksPerRow * PANEL;
        FloatVector a0 = FloatVector.zero(F);
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F);
            for (int k = 0; k < QK / COLS_PER_INT; k++) {
                int g = blk * (QK / COLS_PER_INT) + k, c = g * COLS_PER_INT;
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
            a0 = t0.fma(FloatVector.fromArray(F, scales, s0 + blk * PANEL), a0);
        }
        a0.intoArray(res, 0);
    }

    /**
     * As {@link Int8Matrix#panelTimesEight}, with the block's eight column groups in a loop of
     * constant count and the scales read where they are kept (one core, batch 8, 5632 x 2048:
     * 53 GFLOP/s against the shared kernel's 37 at 256 bits and 42-51 at 512).
     */
    @Override
    protected void panelTimesEight(int p, int i, int c0, int c1, Activations a, float[] acc, boolean keep) {
        int n = c1 - c0, blocks = n / QK;
        float[] xi = a.interleaved();
        int s0 = (p * blocksPerRow + c0 / QK) * PANEL;
        if (keep) {
            System.arraycopy(scales, s0, ThreadBuffers.floats(ThreadBuffers.SCALES, 2 * (n / 16) * PANEL), i * blocks * PANEL,
                    blocks * PANEL);
        }
        float[] dst = keep ? ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * n * PANEL)
                : ThreadBuffers.floats(ThreadBuffers.SINK, COLS_PER_INT * PANEL);
        int stride = keep ? COLS_PER_INT * PANEL : 0, wo0 = keep ? i * n * PANEL : 0;
        int t = i * PANEL, ts = 2 * PANEL, q0 = p * cols * PANEL / COLS_PER_INT;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int j = 0; j < blocks; j++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < QK / COLS_PER_INT; k++) {
                int g = (c0 + j * QK) / COLS_PER_INT + k, xo = g * COLS_PER_INT * Activations.EIGHT;
                int wo = wo0 + (j * (QK / COLS_PER_INT) + k) * stride;
                IntVector v = IntVector.fromArray(I, q, q0 + g * PANEL);
                FloatVector w;
                w = (FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 1]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 2]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 3]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 4]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 5]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 6]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 7]), a7);
                w = (FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo + PANEL);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo + 8]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 9]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 10]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 11]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 12]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 13]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 14]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 15]), a7);
                w = (FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo + 2 * PANEL);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo + 16]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 17]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 18]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 19]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 20]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 21]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 22]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 23]), a7);
                w = (FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo + 3 * PANEL);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo + 24]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 25]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 26]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 27]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 28]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 29]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 30]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 31]), a7);
            }
            FloatVector d = FloatVector.fromArray(F, scales, s0 + j * PANEL);
            a0.fma(d, FloatVector.fromArray(F, acc, t)).intoArray(acc, t);
            a1.fma(d, FloatVector.fromArray(F, acc, t + ts)).intoArray(acc, t + ts);
            a2.fma(d, FloatVector.fromArray(F, acc, t + 2 * ts)).intoArray(acc, t + 2 * ts);
            a3.fma(d, FloatVector.fromArray(F, acc, t + 3 * ts)).intoArray(acc, t + 3 * ts);
            a4.fma(d, FloatVector.fromArray(F, acc, t + 4 * ts)).intoArray(acc, t + 4 * ts);
            a5.fma(d, FloatVector.fromArray(F, acc, t + 5 * ts)).intoArray(acc, t + 5 * ts);
            a6.fma(d, FloatVector.fromArray(F, acc, t + 6 * ts)).intoArray(acc, t + 6 * ts);
            a7.fma(d, FloatVector.fromArray(F, acc, t + 7 * ts)).intoArray(acc, t + 7 * ts);
        }
    }
}
