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
 * IQ4_NL and IQ4_XS: 4-bit indices into a fixed non-linear table of 16 integers
 * ({@code kvalues_iq4nl}), nibbles paired as in Q4_0 (index j in the low nibble of byte j of a
 * 32-weight group, j+16 in its high nibble). IQ4_NL: blocks of 32, fp16 {@code d} at byte 0,
 * nibbles at 2; weight {@code d * kvalues[n]}. IQ4_XS: blocks of 256 = 8 sub-blocks of 32, fp16
 * {@code d} at byte 0, the sub-blocks' 6-bit scales {@code ls} split into high bits (u16 at
 * byte 2) and low nibbles (4 bytes at 4), nibbles at 8; weight {@code d * (ls - 32) * kvalues[n]}
 * (the codes kept are {@code ls - 32}). No offsets.
 */
final class Iq4Matrix extends BlockQuantMatrix {
    static final int[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private final boolean xs;

    Iq4Matrix(String name, GgmlType format, int rows, int cols, byte[] blocks) {
        super(name, format, rows, cols, blocks, GENERIC_GROUP, 32, false, new int[] {0},
                format == GgmlType.IQ4_XS ? 8 : 2, format.blockBytes, format == GgmlType.IQ4_XS ? 8 : 0, Iq4Matrix::decodeXsScales);
        if (format != GgmlType.IQ4_NL && format != GgmlType.IQ4_XS) {
            throw new IllegalArgumentException(format.toString());
        }
        this.xs = format == GgmlType.IQ4_XS;
    }

    /** IQ4_XS: {@code ls - 32} of the 8 sub-blocks. */
    private static void decodeXsScales(byte[] file, int block, byte[] dst) {
        int high = u8(file, block + 2) | u8(file, block + 3) << 8;
        for (int ib = 0; ib < 8; ib++) {
            int low = (u8(file, block + 4 + ib / 2) >> 4 * (ib % 2)) & 0xF;
            dst[ib] = (byte) ((low | ((high >> 2 * ib) & 3) << 4) - 32);
        }
    }

    /** Row r's index of sub-block j's weight k (0..31). */
    private int nibble(int r, int j, int k) {
        int blk = j * 32 / blockSize, ib = j % (blockSize / 32);
        int b = u8(r, blk, 16 * ib + (k & 15));
        return k < 16 ? b & 0xF : b >> 4;
    }

    @Override
    protected int quant(int r, int c) {
        return KVALUES[nibble(r, c / 32, c % 32)];
    }

    @Override
    protected float scale(int r, int j) {
        int blk = j * 32 / blockSize;
        return xs ? half(r, blk, 0) * code(r, blk, j % 8) : half(r, blk, 0);
    }

    /**
     * The table lookup is a lane permutation: one {@code rearrange} of the 16-entry table with
     * 16 lanes; with 8 lanes, one per half of the table, blended on the index's bit 3.
     */
    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        IntVector low = IntVector.fromArray(I, KVALUES, 0);
        IntVector high = PANEL >= 16 ? low : IntVector.fromArray(I, KVALUES, 8);
        for (int j = c0 / 32, i = 0; j < c1 / 32; j++, i++) {
            int blk = j * 32 / blockSize, ib = j % (blockSize / 32);
            FloatVector d = FloatVector.fromArray(F, halves, halfIndex(p, blk, 0));
            if (xs) {
                d = d.mul((FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, ib)).convertShape(VectorOperators.B2F, F, 0));
            }
            d.intoArray(s, so + i * PANEL);
            int at = rawIndex(p, blk, 16 * ib), out = qo + i * 32 * PANEL;
            for (int k = 0; k < 16; k++) {
                IntVector b = (IntVector) ByteVector.fromArray(B, raw, at + k * PANEL).convertShape(VectorOperators.B2I, I, 0);
                IntVector n = b.and(0xF), v;
                if (PANEL >= 16) {
                    v = low.rearrange(n.toShuffle());
                } else {
                    IntVector idx = n.and(7);
                    v = low.rearrange(idx.toShuffle()).blend(high.rearrange(idx.toShuffle()), n.compare(VectorOperators.GE, 8));
                }
                ((FloatVector) v.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + k * PANEL);
                n = b.lanewise(VectorOperators.LSHR, 4).and(0xF);
                if (PANEL >= 16) {
                    v = low.rearrange(n.toShuffle());
                } else {
                    IntVector idx = n.and(7);
                    v = low.rearrange(idx.toShuffle()).blend(high.rearrange(idx.toShuffle()), n.compare(VectorOperators.GE, 8));
                }
                ((FloatVector) v.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + (k + 16) * PANEL);
            }
        }
    }
}
