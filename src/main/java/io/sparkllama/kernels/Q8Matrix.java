package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static io.sparkllama.kernels.Dot.F;

/**
 * Q8_0 weights: blocks of 32 signed bytes with one scale {@code d}; a weight is {@code q * d}.
 * Stored in {@link BlockMatrix} panels with four neighbouring columns of a row in one int, so
 * one 8-int load holds four panel columns. Column k of the four is moved to the int's top byte
 * ({@code << (24 - 8k)}, then masked): as an int that is {@code q * 2^24}, which converts to float
 * exactly, and the scales are stored times {@code 2^-24}, which {@link BlockMatrix}'s order
 * allows. Shifts and masks stay inside 32-bit lanes; widening bytes to ints ({@code vpmovsxbd})
 * crosses lanes and is the slowest step of an 8-byte-load kernel on AVX2.
 * Summation follows {@link BlockMatrix}.
 */
public final class Q8Matrix extends BlockMatrix {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final int TOP_BYTE = 0xFF000000;
    /** Columns per int. */
    private static final int COLS_PER_INT = 4;
    /** Ints of one panel's group of four columns: one per row. */
    private static final int GROUP_STRIDE = PANEL;
    /** Column groups of one block. */
    private static final int GROUPS_PER_BLOCK = QK / COLS_PER_INT;
    /**
     * Panels of the single-sequence kernel: three chains hide most of the FMA latency, and a
     * fourth panel's code would exceed C2's inlining budget (past it, the last vector calls of
     * the loop are left as calls and box their vectors, several times slower).
     */
    private static final int SINGLE_GROUP = 3;

    /** {@code q[quantIndex(r, c)]} holds row r's bytes of columns {@code c & ~3 .. +3}, lowest first; padding rows are 0. */
    private final int[] q;

    /** {@code rowMajorQ} and {@code scales} as in the file: row after row, blocks in column order. */
    public Q8Matrix(String name, int rows, int cols, byte[] rowMajorQ, float[] scales) {
        super(name, rows, cols, SINGLE_GROUP, scales, 0x1p-24f);
        if (rowMajorQ.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": Q8_0 data does not fit " + rows + "x" + cols);
        }
        this.q = new int[panels * cols * PANEL / COLS_PER_INT];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                q[quantIndex(r, c)] |= (rowMajorQ[r * cols + c] & 0xFF) << 8 * (c % COLS_PER_INT);
            }
        }
    }

    /** Index in {@link #q} of the int holding weight (r, c). */
    private int quantIndex(int r, int c) {
        return ((r / PANEL) * (cols / COLS_PER_INT) + c / COLS_PER_INT) * GROUP_STRIDE + r % PANEL;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public long bytes() {
        return 4L * q.length + 4L * scales.length;
    }

    /** {@code q * 2^24}: the weight's byte moved to the top of an int, as the kernels do. */
    @Override
    protected int quant(int r, int c) {
        return q[quantIndex(r, c)] << 8 * (COLS_PER_INT - 1 - c % COLS_PER_INT) & TOP_BYTE;
    }

    @Override
    protected void unpackPanel(int p, float[] dst, int off) {
        int base = p * cols * PANEL / COLS_PER_INT;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int g = 0, groups = cols / COLS_PER_INT; g < groups; g++) {
            IntVector v = IntVector.fromArray(I, q, base + g * GROUP_STRIDE);
            int o = off + g * COLS_PER_INT * PANEL;
            ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, o);
            ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(top).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, o + PANEL);
            ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(top).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, o + 2 * PANEL);
            ((FloatVector) v.and(top).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, o + 3 * PANEL);
        }
    }

    /**
     * Per block, one chain per panel over its eight column groups, then one fma by each panel's
     * scale. The block loops count a constant number of steps (k), as in {@link BlockPanels}.
     * The extraction is written out rather than put in a helper: helpers of ours are not
     * force-inlined, and one that is not inlined boxes its vectors.
     */
    @Override
    protected void panelGroupTimesOne(int p, float[] x, float[] res) {
        int panelInts = cols * PANEL / COLS_PER_INT;
        int q0 = p * panelInts, q1 = q0 + panelInts, q2 = q1 + panelInts;
        int s0 = scaleStart(p), s1 = scaleStart(p + 1), s2 = scaleStart(p + 2);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0;
            for (int k = 0; k < GROUPS_PER_BLOCK; k++) {
                int g = blk * GROUPS_PER_BLOCK + k, c = g * COLS_PER_INT, o = g * GROUP_STRIDE;
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

    /**
     * Each weight column is made once in a register, stored, and fed to eight block chains (one
     * broadcast per fma; the interleaved rows make each broadcast one index plus a constant); at
     * each block's end the chains are folded into eight totals kept in {@code res} (eight more
     * vectors would not fit in AVX2's sixteen registers).
     * Against unpacking first, this saves a pass of stores and reloads for the first eight rows.
     * When nobody needs the floats they all go to one column group of a small per-thread sink
     * ({@code stride} 0) rather than being skipped: the store is nearly free in L1, and a
     * condition in the loop made C2's code for the storing case markedly slower. The four columns
     * are written out, as in {@link #panelGroupTimesOne}, for the JIT rule on {@link Dot}.
     */
    @Override
    protected void panelTimesEight(int p, float[] xi, float[] res, float[] floats, int off) {
        boolean keep = floats != null;
        float[] dst = keep ? floats : ThreadBuffers.floats(ThreadBuffers.SINK, COLS_PER_INT * PANEL);
        int stride = keep ? COLS_PER_INT * PANEL : 0, wo0 = keep ? off : 0;
        int q0 = p * cols * PANEL / COLS_PER_INT, s0 = scaleStart(p);
        Arrays.fill(res, 0, Interleave.ROWS * PANEL, 0f);
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < GROUPS_PER_BLOCK; k++) {
                int g = blk * GROUPS_PER_BLOCK + k;
                IntVector v = IntVector.fromArray(I, q, q0 + g * GROUP_STRIDE);
                int xo = g * COLS_PER_INT * Interleave.ROWS, wo = wo0 + g * stride;
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
                w.intoArray(dst, wo + 1 * PANEL);
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
            FloatVector d = FloatVector.fromArray(F, scales, s0 + blk * PANEL);
            a0.fma(d, FloatVector.fromArray(F, res, 0)).intoArray(res, 0);
            a1.fma(d, FloatVector.fromArray(F, res, PANEL)).intoArray(res, PANEL);
            a2.fma(d, FloatVector.fromArray(F, res, 2 * PANEL)).intoArray(res, 2 * PANEL);
            a3.fma(d, FloatVector.fromArray(F, res, 3 * PANEL)).intoArray(res, 3 * PANEL);
            a4.fma(d, FloatVector.fromArray(F, res, 4 * PANEL)).intoArray(res, 4 * PANEL);
            a5.fma(d, FloatVector.fromArray(F, res, 5 * PANEL)).intoArray(res, 5 * PANEL);
            a6.fma(d, FloatVector.fromArray(F, res, 6 * PANEL)).intoArray(res, 6 * PANEL);
            a7.fma(d, FloatVector.fromArray(F, res, 7 * PANEL)).intoArray(res, 7 * PANEL);
        }
    }

    @Override
    protected void panelTimesOne(int p, float[] x, float[] res) {
        int q0 = p * cols * PANEL / COLS_PER_INT, s0 = scaleStart(p);
        FloatVector a0 = FloatVector.zero(F);
        IntVector top = IntVector.broadcast(I, TOP_BYTE);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F);
            for (int k = 0; k < GROUPS_PER_BLOCK; k++) {
                int g = blk * GROUPS_PER_BLOCK + k, c = g * COLS_PER_INT;
                IntVector v = IntVector.fromArray(I, q, q0 + g * GROUP_STRIDE);
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
}
