package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.sparkllama.kernels.Panels.F;
import static io.sparkllama.kernels.Panels.I;

/**
 * Weights held as signed bytes with a scale per sub-block (Q8_0, and Q6_K's 6-bit values, which
 * a byte holds at 8.6 bits per weight instead of the file's 6.6 but multiplies four times
 * faster than split nibbles and high bits). Stored in {@link Panels} with four neighbouring
 * columns of a row in one int, so one int load per lane holds four panel columns. Column k of
 * the four is moved to the int's top byte ({@code << (24 - 8k)}, then masked): as an int that
 * is {@code q * 2^24}, which converts to float exactly, and the scales are made times
 * {@code 2^-24}, which {@link QuantMatrix}'s order allows. Shifts and masks stay inside 32-bit
 * lanes; widening bytes to ints crosses lanes and is slower. No offsets.
 *
 * <p>The subclass gives the scales of each of its scale blocks ({@link #scaleBlock} columns: a
 * Q8_0 block, a Q6_K super-block) as floats, and its single-sequence kernel, which runs
 * {@link #GROUP} panels at once (three chains hide most of the FMA latency, and a fourth panel's
 * code would exceed C2's inlining budget: past it, the last vector calls of the loop are left as
 * calls and box their vectors, several times slower). The kernels are written out in each
 * subclass, with constant loop counts for its sub-block size, rather than shared through
 * helpers (see the JIT rule on {@link Dot}).
 */
abstract class Int8Matrix extends QuantMatrix {
    /** The mask that keeps a byte moved to the top of an int. */
    protected static final int TOP_BYTE = 0xFF000000;
    /** Columns per int. */
    protected static final int COLS_PER_INT = 4;
    /** Panels of the single-sequence kernels. */
    protected static final int GROUP = 3;

    /**
     * {@code q[((p * cols/4) + c/4) * P + lane]} holds row {@code p*P + lane}'s bytes of columns
     * {@code c & ~3 .. +3}, lowest first; padding rows are 0.
     */
    protected final int[] q;
    /** Columns per scale block. */
    protected final int scaleBlock;

    protected Int8Matrix(String name, int rows, int cols, int sub, int scaleBlock) {
        super(name, rows, cols, GROUP, sub, false);
        this.scaleBlock = scaleBlock;
        this.q = new int[panels * cols * PANEL / COLS_PER_INT];
    }

    /**
     * Stores row r's signed bytes for columns {@code [c0, c0 + n)} from {@code values[off ..]}
     * (constructors fill the matrix with this); c0 and n are multiples of 4.
     */
    protected final void set(int r, int c0, byte[] values, int off, int n) {
        for (int i = 0, at = quantIndex(r, c0); i < n; i += COLS_PER_INT, at += PANEL) {
            q[at] = (values[off + i] & 0xFF) | (values[off + i + 1] & 0xFF) << 8 | (values[off + i + 2] & 0xFF) << 16
                    | values[off + i + 3] << 24;
        }
    }

    private int quantIndex(int r, int c) {
        return ((r / PANEL) * (cols / COLS_PER_INT) + c / COLS_PER_INT) * PANEL + r % PANEL;
    }

    /**
     * Panel p's scales (times {@code 2^-24}) of the sub-blocks of scale block blk, at
     * {@code dst[off + j*P + lane]}.
     */
    protected abstract void scaleBlockScales(int p, int blk, float[] dst, int off);

    @Override
    public final long bytes() {
        return 4L * q.length + scaleBytes();
    }

    /** Bytes the scales take. */
    protected abstract long scaleBytes();

    /** {@code q * 2^24}: the weight's byte moved to the top of an int, as the kernels do. */
    @Override
    protected final int quant(int r, int c) {
        return q[quantIndex(r, c)] << 8 * (COLS_PER_INT - 1 - c % COLS_PER_INT) & TOP_BYTE;
    }

    /** The scales of the chunk's sub-blocks at {@code s[so ..]}; the chunk may start and end inside a scale block. */
    private void chunkScales(int p, int c0, int c1, float[] s, int so) {
        float[] block = ThreadBuffers.floats(ThreadBuffers.BLOCK_SCALES, (scaleBlock / sub) * PANEL);
        for (int c = c0; c < c1; ) {
            int blk = c / scaleBlock, end = Math.min(c1, (blk + 1) * scaleBlock);
            scaleBlockScales(p, blk, block, 0);
            System.arraycopy(block, (c - blk * scaleBlock) / sub * PANEL, s, so + (c - c0) / sub * PANEL, (end - c) / sub * PANEL);
            c = end;
        }
    }

    @Override
    protected final void unpack(int p, int c0, int c1, float[] dst, int off, float[] s, float[] o, int so) {
        chunkScales(p, c0, c1, s, so);
        int base = p * cols * PANEL / COLS_PER_INT;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int g = c0 / COLS_PER_INT, groups = c1 / COLS_PER_INT; g < groups; g++) {
            IntVector v = IntVector.fromArray(I, q, base + g * PANEL);
            int at = off + (g - c0 / COLS_PER_INT) * COLS_PER_INT * PANEL;
            ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, at);
            ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, at + PANEL);
            ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, at + 2 * PANEL);
            ((FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, at + 3 * PANEL);
        }
    }

    @Override
    protected boolean hasEightKernel() {
        return true;
    }

    /**
     * Each weight column is made once in a register, stored (into the chunk's floats, or a small
     * per-thread sink when nobody needs them: the store is nearly free in L1, and a condition in
     * the loop made C2's code markedly slower) and fed to eight chains, one per interleaved
     * activation row; at each sub-block's end the chains are folded into the eight totals.
     */
    @Override
    protected void panelTimesEight(int p, int i, int c0, int c1, Activations a, float[] acc, boolean keep) {
        int n = c1 - c0, subs = n / sub, groupsPerSub = sub / COLS_PER_INT;
        float[] xi = a.interleaved();
        float[] s = ThreadBuffers.floats(ThreadBuffers.SCALES, 2 * (n / 16) * PANEL);
        int so = i * subs * PANEL;
        chunkScales(p, c0, c1, s, so);
        float[] dst = keep ? ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * n * PANEL)
                : ThreadBuffers.floats(ThreadBuffers.SINK, COLS_PER_INT * PANEL);
        int stride = keep ? COLS_PER_INT * PANEL : 0, wo0 = keep ? i * n * PANEL : 0;
        int t = i * PANEL, ts = 2 * PANEL;
        int q0 = p * cols * PANEL / COLS_PER_INT;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int j = 0; j < subs; j++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0, g0 = (c0 + j * sub) / COLS_PER_INT; k < groupsPerSub; k++) {
                int g = g0 + k, xo = g * COLS_PER_INT * Activations.EIGHT, wo = wo0 + (g - c0 / COLS_PER_INT) * stride;
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
            FloatVector d = FloatVector.fromArray(F, s, so + j * PANEL);
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
