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

    @Override
    protected void unscaledRow(int r, float[] dst, int off) {
        int e = r * cols;
        for (int c = 0; c < cols; c += L) {
            ((FloatVector) ByteVector.fromArray(B64, q, e + c).convertShape(VectorOperators.B2F, F, 0)).intoArray(dst, off + c);
        }
    }

    @Override
    protected void multiplyOne(float[] x, float[] out, int r0, int r1) {
        float[] tmp = new float[L];
        for (int r = r0; r < r1; r++) {
            FloatVector acc = FloatVector.zero(F);
            int e = r * cols, s = r * blocksPerRow;
            for (int blk = 0; blk < blocksPerRow; blk++) {
                int c = e + blk * QK, xc = blk * QK;
                FloatVector t = ((FloatVector) ByteVector.fromArray(B64, q, c).convertShape(VectorOperators.B2F, F, 0))
                        .mul(FloatVector.fromArray(F, x, xc));
                t = ((FloatVector) ByteVector.fromArray(B64, q, c + 8).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, xc + 8), t);
                t = ((FloatVector) ByteVector.fromArray(B64, q, c + 16).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, xc + 16), t);
                t = ((FloatVector) ByteVector.fromArray(B64, q, c + 24).convertShape(VectorOperators.B2F, F, 0))
                        .fma(FloatVector.fromArray(F, x, xc + 24), t);
                acc = t.fma(FloatVector.broadcast(F, scales[s + blk]), acc);
            }
            acc.intoArray(tmp, 0);
            out[r] = Dot.sum8(tmp, 0);
        }
    }

    @Override
    protected float scalarWeight(int r, int c) {
        int i = r * cols + c;
        return q[i] * scales[i / QK];
    }
}
