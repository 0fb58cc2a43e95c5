package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static io.sparkllama.kernels.Dot.F;

/**
 * Q8_0 weights: blocks of 32 signed bytes with one scale {@code d}; a weight is {@code q * d}.
 * Stored in {@link BlockMatrix} panels, so the 8 bytes of one panel column are one 8-byte load,
 * widened with {@code convertShape(B2F)} (the fastest int8-to-float path on JDK 17 and 25, see
 * MACHINE.md). Summation follows {@link BlockMatrix}.
 */
public final class Q8Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;

    /** {@code q[panelIndex(r, c)]}; padding rows are 0. */
    private final byte[] q;

    /** {@code rowMajorQ} and {@code scales} as in the file: row after row, blocks in column order. */
    public Q8Matrix(String name, int rows, int cols, byte[] rowMajorQ, float[] scales) {
        super(name, rows, cols, scales);
        if (rowMajorQ.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": Q8_0 data does not fit " + rows + "x" + cols);
        }
        this.q = new byte[panels * cols * PANEL];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                q[panelIndex(r, c)] = rowMajorQ[r * cols + c];
            }
        }
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
    protected int quant(int r, int c) {
        return q[panelIndex(r, c)];
    }

    @Override
    protected void unpackPanel(int p, float[] dst, int off) {
        int base = p * cols * PANEL, s = p * blocksPerRow * PANEL;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector d = FloatVector.fromArray(F, scales, s + blk * PANEL);
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                ((FloatVector) ByteVector.fromArray(B64, q, base + c * PANEL).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d).intoArray(dst, off + c * PANEL);
            }
        }
    }

    @Override
    protected void panelsTimesOne4(int p, float[] x, float[] res) {
        int q0 = p * cols * PANEL, q1 = q0 + cols * PANEL, q2 = q1 + cols * PANEL, q3 = q2 + cols * PANEL;
        int s0 = p * blocksPerRow * PANEL, s1 = s0 + blocksPerRow * PANEL;
        int s2 = s1 + blocksPerRow * PANEL, s3 = s2 + blocksPerRow * PANEL;
        Arrays.fill(res, 0, 4 * PANEL, 0f);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int b = blk * PANEL;
            FloatVector d0 = FloatVector.fromArray(F, scales, s0 + b), d1 = FloatVector.fromArray(F, scales, s1 + b);
            FloatVector d2 = FloatVector.fromArray(F, scales, s2 + b), d3 = FloatVector.fromArray(F, scales, s3 + b);
            FloatVector a0 = FloatVector.fromArray(F, res, 0), a1 = FloatVector.fromArray(F, res, PANEL);
            FloatVector a2 = FloatVector.fromArray(F, res, 2 * PANEL), a3 = FloatVector.fromArray(F, res, 3 * PANEL);
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                FloatVector xv = FloatVector.broadcast(F, x[c]);
                int o = c * PANEL;
                a0 = ((FloatVector) ByteVector.fromArray(B64, q, q0 + o).convertShape(VectorOperators.B2F, F, 0)).mul(d0).fma(xv, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B64, q, q1 + o).convertShape(VectorOperators.B2F, F, 0)).mul(d1).fma(xv, a1);
                a2 = ((FloatVector) ByteVector.fromArray(B64, q, q2 + o).convertShape(VectorOperators.B2F, F, 0)).mul(d2).fma(xv, a2);
                a3 = ((FloatVector) ByteVector.fromArray(B64, q, q3 + o).convertShape(VectorOperators.B2F, F, 0)).mul(d3).fma(xv, a3);
            }
            a0.intoArray(res, 0);
            a1.intoArray(res, PANEL);
            a2.intoArray(res, 2 * PANEL);
            a3.intoArray(res, 3 * PANEL);
        }
    }

    @Override
    protected void panelsTimesOne1(int p, float[] x, float[] res) {
        int q0 = p * cols * PANEL, s0 = p * blocksPerRow * PANEL;
        Arrays.fill(res, 0, PANEL, 0f);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector d0 = FloatVector.fromArray(F, scales, s0 + blk * PANEL);
            FloatVector a0 = FloatVector.fromArray(F, res, 0);
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                a0 = ((FloatVector) ByteVector.fromArray(B64, q, q0 + c * PANEL).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d0).fma(FloatVector.broadcast(F, x[c]), a0);
            }
            a0.intoArray(res, 0);
        }
    }
}
