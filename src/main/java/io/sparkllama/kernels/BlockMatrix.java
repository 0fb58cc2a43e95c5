package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * Weights quantized in blocks of 32 with one float scale per block (Q8_0, Q4_0). A dot product
 * sums each block's unscaled integer weights times the activations in the 8 lanes (a multiply,
 * then three fmas, in column order) and adds that block sum to the accumulator with one fma by
 * the block's scale; the lanes are then summed as in {@link Dot}. Integer weights convert to
 * float exactly, so every path gives the same bits.
 *
 * <p>A batch of one runs the subclass's fused kernel, which unpacks weights on the fly. Larger
 * batches unpack a few rows at a time into a float scratch and run {@link #rowTimes4} over groups
 * of four activation rows; keeping the type-specific unpacking out of that kernel keeps it small enough
 * for C2 to inline every vector operation.
 */
abstract class BlockMatrix extends WeightMatrix {
    static final int QK = 32;

    protected final float[] scales;
    protected final int blocksPerRow;

    protected BlockMatrix(String name, int rows, int cols, float[] scales) {
        super(name, rows, cols);
        if (cols % QK != 0 || scales.length != (long) rows * cols / QK) {
            throw new IllegalArgumentException(name + ": block data does not fit " + rows + "x" + cols);
        }
        this.scales = scales;
        this.blocksPerRow = cols / QK;
    }

    /** Batch-of-one product for rows {@code [r0, r1)}, unpacking weights on the fly: {@code out[r] = W[r] . x}. */
    protected abstract void multiplyOne(float[] x, float[] out, int r0, int r1);

    /** Row {@code r}'s integer weights, unscaled, as floats at {@code dst[off .. off+cols)}. */
    protected abstract void unscaledRow(int r, float[] dst, int off);

    @Override
    public void decodeRows(int row, int n, float[] dst, int off) {
        for (int r = row; r < row + n; r++) {
            int o = off + (r - row) * cols;
            unscaledRow(r, dst, o);
            for (int blk = 0; blk < blocksPerRow; blk++) {
                float d = scales[r * blocksPerRow + blk];
                for (int k = 0; k < QK; k += L) {
                    int i = o + blk * QK + k;
                    FloatVector.fromArray(F, dst, i).mul(d).intoArray(dst, i);
                }
            }
        }
    }

    @Override
    public void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        if (batch == 1) {
            multiplyOne(x, out, r0, r1);
            return;
        }
        // Unpack a few rows, then run every group of four activation rows over all of them: a
        // group's activations stay in cache while the rows are swept, instead of streaming the
        // whole batch once per row. (Tiling the columns as well measured no faster.)
        float[] q = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, ROW_BLOCK * cols);
        float[] tmp = new float[4 * L];
        for (int rb = r0; rb < r1; rb += ROW_BLOCK) {
            int n = Math.min(ROW_BLOCK, r1 - rb);
            for (int i = 0; i < n; i++) {
                unscaledRow(rb + i, q, i * cols);
            }
            int b = 0;
            for (; b + 4 <= batch; b += 4) {
                for (int i = 0; i < n; i++) {
                    rowTimes4(q, i * cols, (rb + i) * blocksPerRow, x, b, out, rb + i, tmp);
                }
            }
            for (; b < batch; b++) {
                for (int i = 0; i < n; i++) {
                    out[b * rows + rb + i] = rowDot(q, i * cols, (rb + i) * blocksPerRow, x, b * cols, tmp);
                }
            }
        }
    }

    /** One unpacked row times activation row at {@code xo}, in the block order. */
    private float rowDot(float[] q, int qo, int s, float[] x, int xo, float[] tmp) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int c = qo + blk * QK, xc = xo + blk * QK;
            FloatVector t = FloatVector.fromArray(F, q, c).mul(FloatVector.fromArray(F, x, xc));
            t = FloatVector.fromArray(F, q, c + 8).fma(FloatVector.fromArray(F, x, xc + 8), t);
            t = FloatVector.fromArray(F, q, c + 16).fma(FloatVector.fromArray(F, x, xc + 16), t);
            t = FloatVector.fromArray(F, q, c + 24).fma(FloatVector.fromArray(F, x, xc + 24), t);
            acc = t.fma(FloatVector.broadcast(F, scales[s + blk]), acc);
        }
        acc.intoArray(tmp, 0);
        return Dot.sum8(tmp, 0);
    }

    /**
     * One unpacked row times activation rows {@code b .. b+3}: each weight chunk is loaded once
     * for four FMAs. (Written out in full: see the JIT rule on {@link Dot}.)
     */
    private void rowTimes4(float[] q, int qo, int s, float[] x, int b, float[] out, int r, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int x0 = b * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int c = blk * QK;
            FloatVector q0 = FloatVector.fromArray(F, q, qo + c), q1 = FloatVector.fromArray(F, q, qo + c + 8);
            FloatVector q2 = FloatVector.fromArray(F, q, qo + c + 16), q3 = FloatVector.fromArray(F, q, qo + c + 24);
            FloatVector d = FloatVector.broadcast(F, scales[s + blk]);
            FloatVector t = q0.mul(FloatVector.fromArray(F, x, x0 + c));
            t = q1.fma(FloatVector.fromArray(F, x, x0 + c + 8), t);
            t = q2.fma(FloatVector.fromArray(F, x, x0 + c + 16), t);
            t = q3.fma(FloatVector.fromArray(F, x, x0 + c + 24), t);
            a0 = t.fma(d, a0);
            t = q0.mul(FloatVector.fromArray(F, x, x1 + c));
            t = q1.fma(FloatVector.fromArray(F, x, x1 + c + 8), t);
            t = q2.fma(FloatVector.fromArray(F, x, x1 + c + 16), t);
            t = q3.fma(FloatVector.fromArray(F, x, x1 + c + 24), t);
            a1 = t.fma(d, a1);
            t = q0.mul(FloatVector.fromArray(F, x, x2 + c));
            t = q1.fma(FloatVector.fromArray(F, x, x2 + c + 8), t);
            t = q2.fma(FloatVector.fromArray(F, x, x2 + c + 16), t);
            t = q3.fma(FloatVector.fromArray(F, x, x2 + c + 24), t);
            a2 = t.fma(d, a2);
            t = q0.mul(FloatVector.fromArray(F, x, x3 + c));
            t = q1.fma(FloatVector.fromArray(F, x, x3 + c + 8), t);
            t = q2.fma(FloatVector.fromArray(F, x, x3 + c + 16), t);
            t = q3.fma(FloatVector.fromArray(F, x, x3 + c + 24), t);
            a3 = t.fma(d, a3);
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        a2.intoArray(tmp, 2 * L);
        a3.intoArray(tmp, 3 * L);
        out[b * rows + r] = Dot.sum8(tmp, 0);
        out[(b + 1) * rows + r] = Dot.sum8(tmp, 8);
        out[(b + 2) * rows + r] = Dot.sum8(tmp, 16);
        out[(b + 3) * rows + r] = Dot.sum8(tmp, 24);
    }

}
