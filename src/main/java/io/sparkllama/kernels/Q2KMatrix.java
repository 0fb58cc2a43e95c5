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
 * Q2_K: blocks of 256 = 16 sub-blocks of 16, 2-bit values: 16 bytes at 0 each hold a sub-block's
 * 4-bit scale (low nibble) and 4-bit minimum (high nibble), 64 bytes of 2-bit values at 16,
 * fp16 {@code d} at 80 and {@code dmin} at 82; weight {@code d*sc * n - dmin*m}. Weight
 * {@code 128h + 32j + 16k + l} is bits {@code 2j, 2j+1} of byte {@code 16 + 32h + 16k + l}; its
 * sub-block is {@code 8h + 2j + k}. Codes kept: the 16 scales, then the 16 minimums.
 */
final class Q2KMatrix extends BlockQuantMatrix {

    Q2KMatrix(String name, int rows, int cols, byte[] blocks) {
        super(name, GgmlType.Q2_K, rows, cols, blocks, GENERIC_GROUP, 16, true, new int[] {80, 82}, 16, 80, 32,
                Q2KMatrix::decodeScales);
    }

    private static void decodeScales(byte[] file, int block, byte[] dst) {
        for (int i = 0; i < 16; i++) {
            dst[i] = (byte) (u8(file, block + i) & 0xF);
            dst[16 + i] = (byte) (u8(file, block + i) >> 4);
        }
    }

    @Override
    protected int quant(int r, int c) {
        int blk = c / 256, w = c % 256, h = w / 128, j = w % 128 / 32, k = w % 32 / 16, l = w % 16;
        return (u8(r, blk, 32 * h + 16 * k + l) >> 2 * j) & 3;
    }

    @Override
    protected float scale(int r, int j) {
        return half(r, j / 16, 0) * code(r, j / 16, j % 16);
    }

    @Override
    protected float offset(int r, int j) {
        return -half(r, j / 16, 1) * code(r, j / 16, 16 + j % 16);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        for (int sb = c0 / 16, i = 0; sb < c1 / 16; sb++, i++) {
            int blk = sb / 16, js = sb % 16, h = js / 8, j = js % 8 / 2, k = js % 2, si = so + i * PANEL;
            FloatVector sc = (FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, js)).convertShape(VectorOperators.B2F, F, 0);
            FloatVector m = (FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, 16 + js)).convertShape(VectorOperators.B2F, F, 0);
            FloatVector.fromArray(F, halves, halfIndex(p, blk, 0)).mul(sc).intoArray(s, si);
            FloatVector.fromArray(F, halves, halfIndex(p, blk, 1)).neg().mul(m).intoArray(o, si);
            int at = rawIndex(p, blk, 32 * h + 16 * k), out = qo + i * 16 * PANEL;
            for (int l = 0; l < 16; l++) {
                IntVector n = ((IntVector) ByteVector.fromArray(B, raw, at + l * PANEL).convertShape(VectorOperators.B2I, I, 0))
                        .lanewise(VectorOperators.LSHR, 2 * j).and(3);
                ((FloatVector) n.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + l * PANEL);
            }
        }
    }
}
