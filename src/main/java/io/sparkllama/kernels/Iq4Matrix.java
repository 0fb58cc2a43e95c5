package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

/**
 * IQ4_NL and IQ4_XS: 4-bit indices into a fixed non-linear table of 16 integers
 * ({@code kvalues_iq4nl}), nibbles paired as in Q4_0 (index j in the low nibble of byte j of a
 * 32-weight group, j+16 in its high nibble). IQ4_NL: blocks of 32, fp16 {@code d} at byte 0,
 * nibbles at 2; weight {@code d * kvalues[n]}. IQ4_XS: blocks of 256 = 8 sub-blocks of 32, fp16
 * {@code d} at byte 0, the sub-blocks' 6-bit scales {@code ls} split into high bits (u16 at
 * byte 2) and low nibbles (4 bytes at 4), nibbles at 8; weight {@code d * (ls - 32) * kvalues[n]}
 * (the codes kept are {@code ls - 32}). No offsets. The table lookup is done lane by lane:
 * these types are rare in the files users run, and the Vector API of JDK 17 has no fast
 * 16-entry lookup on 8-lane vectors.
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

    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        // padding rows hold zero scales
        for (int j = c0 / 32, i = 0; j < c1 / 32; j++, i++) {
            for (int lane = 0; lane < PANEL; lane++) {
                int r = p * PANEL + lane;
                s[so + i * PANEL + lane] = scale(r, j);
                for (int k = 0; k < 32; k++) {
                    q[qo + (i * 32 + k) * PANEL + lane] = KVALUES[nibble(r, j, k)];
                }
            }
        }
    }
}
