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
 * Q5_0 and Q5_1: blocks of 32 five-bit values {@code n}, the low four bits in nibbles as Q4_0
 * and Q4_1 keep them, the fifth in a little-endian 32-bit word {@code qh} (bit j for weight j).
 * Q5_0 (fp16 {@code d} at byte 0, qh at 2, nibbles at 6): weight {@code (n - 16) * d}, so offset
 * {@code -16 d}. Q5_1 (d at 0, fp16 minimum {@code m} at 2, qh at 4, nibbles at 8): weight
 * {@code n * d + m}, offset {@code m}. The quant bytes kept are qh then the nibbles.
 */
final class Q50Matrix extends BlockQuantMatrix {
    private static final int QS = 4;
    private final boolean withMin;

    Q50Matrix(String name, GgmlType format, int rows, int cols, byte[] blocks) {
        super(name, format, rows, cols, blocks, GENERIC_GROUP, 32, true,
                format == GgmlType.Q5_1 ? new int[] {0, 2} : new int[] {0}, format == GgmlType.Q5_1 ? 4 : 2,
                format.blockBytes, 0, null);
        if (format != GgmlType.Q5_0 && format != GgmlType.Q5_1) {
            throw new IllegalArgumentException(format.toString());
        }
        this.withMin = format == GgmlType.Q5_1;
    }

    @Override
    protected int quant(int r, int c) {
        int blk = c / 32, j = c % 32, b = u8(r, blk, QS + (j & 15));
        int qh = u8(r, blk, 0) | u8(r, blk, 1) << 8 | u8(r, blk, 2) << 16 | u8(r, blk, 3) << 24;
        return (j < 16 ? b & 0xF : b >> 4) | ((qh >>> j) & 1) << 4;
    }

    @Override
    protected float scale(int r, int j) {
        return half(r, j, 0);
    }

    @Override
    protected float offset(int r, int j) {
        return withMin ? half(r, j, 1) : -16f * half(r, j, 0);
    }

    @Override
    protected float scalarWeight(int r, int c) {
        return withMin ? super.scalarWeight(r, c) : (quant(r, c) - 16) * scale(r, c / 32);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        for (int blk = c0 / 32, i = 0; blk < c1 / 32; blk++, i++) {
            FloatVector d = FloatVector.fromArray(F, halves, halfIndex(p, blk, 0));
            d.intoArray(s, so + i * PANEL);
            (withMin ? FloatVector.fromArray(F, halves, halfIndex(p, blk, 1)) : d.mul(-16f)).intoArray(o, so + i * PANEL);
            int h = rawIndex(p, blk, 0);
            IntVector qh = ((IntVector) ByteVector.fromArray(B, raw, h).convertShape(VectorOperators.B2I, I, 0)).and(0xFF)
                    .or(((IntVector) ByteVector.fromArray(B, raw, h + PANEL).convertShape(VectorOperators.B2I, I, 0))
                            .and(0xFF).lanewise(VectorOperators.LSHL, 8))
                    .or(((IntVector) ByteVector.fromArray(B, raw, h + 2 * PANEL).convertShape(VectorOperators.B2I, I, 0))
                            .and(0xFF).lanewise(VectorOperators.LSHL, 16))
                    .or(((IntVector) ByteVector.fromArray(B, raw, h + 3 * PANEL).convertShape(VectorOperators.B2I, I, 0))
                            .lanewise(VectorOperators.LSHL, 24));
            int base = rawIndex(p, blk, QS), out = qo + i * 32 * PANEL;
            for (int j = 0; j < 16; j++) {
                IntVector b = (IntVector) ByteVector.fromArray(B, raw, base + j * PANEL).convertShape(VectorOperators.B2I, I, 0);
                IntVector lo = b.and(0xF).or(qh.lanewise(VectorOperators.LSHR, j).and(1).lanewise(VectorOperators.LSHL, 4));
                IntVector hi = b.lanewise(VectorOperators.LSHR, 4).and(0xF)
                        .or(qh.lanewise(VectorOperators.LSHR, j + 16).and(1).lanewise(VectorOperators.LSHL, 4));
                ((FloatVector) lo.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + j * PANEL);
                ((FloatVector) hi.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + (j + 16) * PANEL);
            }
        }
    }
}
