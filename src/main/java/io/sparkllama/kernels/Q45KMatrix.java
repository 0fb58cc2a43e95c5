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
 * Q4_K and Q5_K: blocks of 256 = 8 sub-blocks of 32, fp16 {@code d} at byte 0 and {@code dmin}
 * at 2, each sub-block's 6-bit scale {@code sc} and minimum {@code m} packed into 12 bytes at 4
 * (ggml's {@code get_scale_min_k4}, decoded at load into 8 scale codes then 8 minimum codes),
 * weight {@code d*sc * n - dmin*m}: scale {@code d*sc}, offset {@code -dmin*m}. Q4_K keeps 4-bit
 * {@code n} in 128 bytes at 16: byte {@code 32c + l} holds weight {@code 64c + l} in its low
 * nibble and {@code 64c + 32 + l} in its high one. Q5_K adds a fifth bit from 32 bytes {@code qh}
 * at 16 (nibbles at 48): bit {@code 2c} of {@code qh[l]} for weight {@code 64c + l}, bit
 * {@code 2c + 1} for {@code 64c + 32 + l}. The subclasses add each type's fused single-sequence
 * kernel.
 */
abstract class Q45KMatrix extends BlockQuantMatrix {
    /** Where the nibbles start among the quant bytes kept (after Q5_K's qh). */
    protected final int qs;
    protected final boolean fifthBit;

    protected Q45KMatrix(String name, GgmlType format, int rows, int cols, byte[] blocks, int group) {
        super(name, format, rows, cols, blocks, group, 32, true, new int[] {0, 2}, 16, format.blockBytes, 16,
                Q45KMatrix::decodeScales);
        if (format != GgmlType.Q4_K && format != GgmlType.Q5_K) {
            throw new IllegalArgumentException(format.toString());
        }
        this.fifthBit = format == GgmlType.Q5_K;
        this.qs = fifthBit ? 32 : 0;
    }

    /** get_scale_min_k4 for the 8 sub-blocks: scale codes, then minimum codes. */
    private static void decodeScales(byte[] file, int block, byte[] dst) {
        int s = block + 4;
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                dst[j] = (byte) (u8(file, s + j) & 63);
                dst[8 + j] = (byte) (u8(file, s + j + 4) & 63);
            } else {
                dst[j] = (byte) ((u8(file, s + j + 4) & 0xF) | (u8(file, s + j - 4) >> 6) << 4);
                dst[8 + j] = (byte) ((u8(file, s + j + 4) >> 4) | (u8(file, s + j) >> 6) << 4);
            }
        }
    }

    @Override
    protected final int quant(int r, int c) {
        int blk = c / 256, w = c % 256, chunk = w / 64, l = w % 32;
        boolean high = w % 64 >= 32;
        int b = u8(r, blk, qs + 32 * chunk + l);
        int n = high ? b >> 4 : b & 0xF;
        if (fifthBit) {
            n |= ((u8(r, blk, l) >> (2 * chunk + (high ? 1 : 0))) & 1) << 4;
        }
        return n;
    }

    @Override
    protected final float scale(int r, int j) {
        return half(r, j / 8, 0) * code(r, j / 8, j % 8);
    }

    @Override
    protected final float offset(int r, int j) {
        return -half(r, j / 8, 1) * code(r, j / 8, 8 + j % 8);
    }

    /**
     * Panel p's scales ({@code dst[off + j*P + lane]}) and offsets ({@code dst[off + (8 + j)*P + lane]})
     * of block blk's eight sub-blocks.
     */
    protected final void blockScales(int p, int blk, float[] dst, int off) {
        FloatVector d = FloatVector.fromArray(F, halves, halfIndex(p, blk, 0));
        FloatVector dmin = FloatVector.fromArray(F, halves, halfIndex(p, blk, 1)).neg();
        int codes0 = codeIndex(p, blk, 0);
        for (int j = 0; j < 8; j++) {
            d.mul((FloatVector) ByteVector.fromArray(B, codes, codes0 + j * PANEL).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(dst, off + j * PANEL);
            dmin.mul((FloatVector) ByteVector.fromArray(B, codes, codes0 + (8 + j) * PANEL).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(dst, off + (8 + j) * PANEL);
        }
    }

    @Override
    protected final void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        for (int j = c0 / 32, i = 0; j < c1 / 32; j++, i++) {
            int blk = j / 8, jj = j % 8, chunk = jj / 2, si = so + i * PANEL;
            FloatVector.fromArray(F, halves, halfIndex(p, blk, 0))
                    .mul((FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, jj)).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(s, si);
            FloatVector.fromArray(F, halves, halfIndex(p, blk, 1)).neg()
                    .mul((FloatVector) ByteVector.fromArray(B, codes, codeIndex(p, blk, 8 + jj)).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(o, si);
            int shift = jj % 2 == 0 ? 0 : 4, at = rawIndex(p, blk, qs + 32 * chunk), hb = rawIndex(p, blk, 0), out = qo + i * 32 * PANEL;
            for (int l = 0; l < 32; l++) {
                IntVector n = ((IntVector) ByteVector.fromArray(B, raw, at + l * PANEL).convertShape(VectorOperators.B2I, I, 0))
                        .lanewise(VectorOperators.LSHR, shift).and(0xF);
                if (fifthBit) {
                    n = n.or(((IntVector) ByteVector.fromArray(B, raw, hb + l * PANEL).convertShape(VectorOperators.B2I, I, 0))
                            .lanewise(VectorOperators.LSHR, jj).and(1).lanewise(VectorOperators.LSHL, 4));
                }
                ((FloatVector) n.convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + l * PANEL);
            }
        }
    }
}
