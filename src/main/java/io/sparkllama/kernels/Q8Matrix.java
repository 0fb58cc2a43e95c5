package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * Q8_0 weights: blocks of 32 signed bytes with one scale {@code d}; a weight is {@code q * d}.
 * Eight bytes at a time are widened with {@code convertShape(B2F)}, the fastest int8-to-float
 * path on JDK 17 and 25 (see MACHINE.md). Summation follows {@link BlockMatrix}.
 */
public final class Q8Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;

    private final byte[] q;

    public Q8Matrix(String name, int rows, int cols, byte[] q, float[] scales) {
        super(name, rows, cols, scales);
        if (q.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": Q8_0 data does not fit " + rows + "x" + cols);
        }
        this.q = q;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public long bytes() {
        return q.length + 4L * scales.length;
    }

    /** Eight quants from element {@code i} as floats (exact small integers). */
    private FloatVector quants(int i) {
        return (FloatVector) ByteVector.fromArray(B64, q, i).convertShape(VectorOperators.B2F, F, 0);
    }

    @Override
    protected void unscaledRow(int r, float[] dst, int off) {
        int e = r * cols;
        for (int c = 0; c < cols; c += L) {
            quants(e + c).intoArray(dst, off + c);
        }
    }

    @Override
    protected void multiplyOne(float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            FloatVector acc = FloatVector.zero(F);
            int e = r * cols, s = r * blocksPerRow;
            for (int blk = 0; blk < blocksPerRow; blk++) {
                int c = e + blk * QK;
                FloatVector t = blockSum(quants(c), quants(c + 8), quants(c + 16), quants(c + 24), x, blk * QK);
                acc = t.fma(FloatVector.broadcast(F, scales[s + blk]), acc);
            }
            out[r] = Dot.lanes(acc);
        }
    }

    @Override
    protected float scalarWeight(int r, int c) {
        int i = r * cols + c;
        return q[i] * scales[i / QK];
    }
}
