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

    /** Stores row r's signed byte for column c (constructors fill the matrix with this). */
    protected final void set(int r, int c, int value) {
        q[quantIndex(r, c)] |= (value & 0xFF) << 8 * (c % COLS_PER_INT);
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

    @Override
    protected final void unpack(int p, int c0, int c1, float[] dst, int off, float[] s, float[] o, int so) {
        // the chunk may start and end inside a scale block: take the scales of its own sub-blocks
        float[] block = ThreadBuffers.floats(ThreadBuffers.BLOCK_SCALES, (scaleBlock / sub) * PANEL);
        for (int c = c0; c < c1; ) {
            int blk = c / scaleBlock, end = Math.min(c1, (blk + 1) * scaleBlock);
            scaleBlockScales(p, blk, block, 0);
            System.arraycopy(block, (c - blk * scaleBlock) / sub * PANEL, s, so + (c - c0) / sub * PANEL, (end - c) / sub * PANEL);
            c = end;
        }
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
}
