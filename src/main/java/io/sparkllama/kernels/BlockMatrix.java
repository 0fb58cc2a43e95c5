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
 * batches unpack a row once into a float scratch and run {@link #rowTimes4} over groups of four
 * activation rows; keeping the type-specific unpacking out of that kernel keeps it small enough
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
        float[] q = scratch(cols);
        float[] tmp = new float[4 * L];
        for (int r = r0; r < r1; r++) {
            unscaledRow(r, q, 0);
            int s = r * blocksPerRow;
            int b = 0;
            for (; b + 4 <= batch; b += 4) {
                rowTimes4(q, s, x, b, out, r, tmp);
            }
            for (; b < batch; b++) {
                out[b * rows + r] = rowDot(q, s, x, b * cols);
            }
        }
    }

    /** One unpacked row times activation row at {@code xo}, in the block order. */
    private float rowDot(float[] q, int s, float[] x, int xo) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int c = blk * QK;
            FloatVector t = blockSum(FloatVector.fromArray(F, q, c), FloatVector.fromArray(F, q, c + 8),
                    FloatVector.fromArray(F, q, c + 16), FloatVector.fromArray(F, q, c + 24), x, xo + c);
            acc = t.fma(FloatVector.broadcast(F, scales[s + blk]), acc);
        }
        return Dot.lanes(acc);
    }

    /** One unpacked row times activation rows {@code b .. b+3}: each weight chunk is loaded once for four FMAs. */
    private void rowTimes4(float[] q, int s, float[] x, int b, float[] out, int r, float[] tmp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int x0 = b * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int c = blk * QK;
            FloatVector q0 = FloatVector.fromArray(F, q, c), q1 = FloatVector.fromArray(F, q, c + 8);
            FloatVector q2 = FloatVector.fromArray(F, q, c + 16), q3 = FloatVector.fromArray(F, q, c + 24);
            FloatVector d = FloatVector.broadcast(F, scales[s + blk]);
            a0 = blockSum(q0, q1, q2, q3, x, x0 + c).fma(d, a0);
            a1 = blockSum(q0, q1, q2, q3, x, x1 + c).fma(d, a1);
            a2 = blockSum(q0, q1, q2, q3, x, x2 + c).fma(d, a2);
            a3 = blockSum(q0, q1, q2, q3, x, x3 + c).fma(d, a3);
        }
        Dot.store(a0, a1, a2, a3, tmp, 0);
        out[b * rows + r] = Dot.sum8(tmp, 0);
        out[(b + 1) * rows + r] = Dot.sum8(tmp, 8);
        out[(b + 2) * rows + r] = Dot.sum8(tmp, 16);
        out[(b + 3) * rows + r] = Dot.sum8(tmp, 24);
    }

    /** Lane-wise sum of a block's four chunks of integer weights times activations, in column order. */
    static FloatVector blockSum(FloatVector q0, FloatVector q1, FloatVector q2, FloatVector q3, float[] x, int xo) {
        FloatVector t = q0.mul(FloatVector.fromArray(F, x, xo));
        t = q1.fma(FloatVector.fromArray(F, x, xo + 8), t);
        t = q2.fma(FloatVector.fromArray(F, x, xo + 16), t);
        return q3.fma(FloatVector.fromArray(F, x, xo + 24), t);
    }
}
