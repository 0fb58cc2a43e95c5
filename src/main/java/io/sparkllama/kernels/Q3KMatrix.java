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
 * Q3_K: blocks of 256 = 16 sub-blocks of 16, 3-bit values: 32 bytes {@code hmask} at 0, 64 bytes
 * of 2-bit values at 32, the sub-blocks' 6-bit scales (stored plus 32) packed into 12 bytes at
 * 96, fp16 {@code d} at 108. Weight {@code 128h + 32j + 16k + l} is {@code d*sc * (n - 4)} with
 * {@code n} = bits {@code 2j, 2j+1} of byte {@code 32 + 32h + 16k + l}, plus 4 when bit
 * {@code 4h + j} of {@code hmask[16k + l]} is set; its sub-block is {@code 8h + 2j + k}. Scale
 * {@code d*sc}, offset {@code -4 d*sc}. Codes kept: the 16 scales, -32..31.
 */
final class Q3KMatrix extends BlockQuantMatrix {
    private static final int QS = 32;

    Q3KMatrix(String name, int rows, int cols, byte[] blocks) {
        super(name, GgmlType.Q3_K, rows, cols, blocks, GENERIC_GROUP, 16, true, new int[] {108}, 0, 96, 16,
                Q3KMatrix::decodeScales);
    }

    /** ggml's unpacking of the 12 scale bytes (FORMATS.md 1.4), per index. */
    private static void decodeScales(byte[] file, int block, byte[] dst) {
        int s = block + 96;
        for (int i = 0; i < 16; i++) {
            int low = i < 8 ? u8(file, s + i) & 0xF : u8(file, s + i - 8) >> 4;
            int high = (u8(file, s + 8 + i % 4) >> 2 * (i / 4)) & 3;
            dst[i] = (byte) ((low | high << 4) - 32);
        }
    }

    @Override
    protected int quant(int r, int c) {
        int blk = c / 256, w = c % 256, h = w / 128, j = w % 128 / 32, k = w % 32 / 16, l = w % 16;
        int n = (u8(r, blk, QS + 32 * h + 16 * k + l) >> 2 * j) & 3;
        return n | ((u8(r, blk, 16 * k + l) >> (4 * h + j)) & 1) << 2;
    }

    @Override
    protected float scale(int r, int j) {
        return half(r, j / 16, 0) * code(r, j / 16, j % 16);
    }

    @Override
    protected float offset(int r, int j) {
        return -4f * scale(r, j);
    }

    @Override
    protected float scalarWeight(int r, int c) {
        return scale(r, c / 16) * (quant(r, c) - 4);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        for (int sb = c0 / 16, i = 0; sb < c1 / 16; sb++, i++) {
            int blk = sb / 16, is = sb % 16, h = is / 8, j = is % 8 / 2, k = is % 2, si = so + i * PANEL;
            FloatVector sc = (FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, is)).convertShape(VectorOperators.B2F, F, 0);
            FloatVector scale = FloatVector.fromArray(F, halves, halfIndex(p, blk, 0)).mul(sc);
            scale.intoArray(s, si);
            scale.mul(-4f).intoArray(o, si);
            int at = rawIndex(p, blk, QS + 32 * h + 16 * k), hm = rawIndex(p, blk, 16 * k), out = qo + i * 16 * PANEL;
            for (int l = 0; l < 16; l++) {
                IntVector n = ((IntVector) ByteVector.fromArray(B, raw, at + l * PANEL).convertShape(VectorOperators.B2I, I, 0))
                        .lanewise(VectorOperators.LSHR, 2 * j).and(3)
                        .or(((IntVector) ByteVector.fromArray(B, raw, hm + l * PANEL).convertShape(VectorOperators.B2I, I, 0))
                                .lanewise(VectorOperators.LSHR, 4 * h + j).and(1).lanewise(VectorOperators.LSHL, 2));
                ((FloatVector) n.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + l * PANEL);
            }
        }
    }
}
