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
 * Q4_1: blocks of 32 with an fp16 scale {@code d} at byte 0, an fp16 minimum {@code m} at byte 2
 * and 16 bytes of nibbles at byte 4: weight j is {@code n * d + m}, n the low nibble of byte j
 * (j &lt; 16) or the high nibble of byte j-16. One sub-block per block, offset {@code m}.
 */
final class Q41Matrix extends BlockQuantMatrix {

    Q41Matrix(String name, int rows, int cols, byte[] blocks) {
        super(name, GgmlType.Q4_1, rows, cols, blocks, GENERIC_GROUP, 32, true, new int[] {0, 2}, 4, 20, 0, null);
    }

    @Override
    protected int quant(int r, int c) {
        int j = c % 32, b = u8(r, c / 32, j & 15);
        return j < 16 ? b & 0xF : b >> 4;
    }

    @Override
    protected float scale(int r, int j) {
        return half(r, j, 0);
    }

    @Override
    protected float offset(int r, int j) {
        return half(r, j, 1);
    }

    @Override
    protected void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so) {
        for (int blk = c0 / 32, i = 0; blk < c1 / 32; blk++, i++) {
            System.arraycopy(halves, halfIndex(p, blk, 0), s, so + i * PANEL, PANEL);
            System.arraycopy(halves, halfIndex(p, blk, 1), o, so + i * PANEL, PANEL);
            int base = rawIndex(p, blk, 0), out = qo + i * 32 * PANEL;
            for (int j = 0; j < 16; j++) {
                IntVector b = (IntVector) ByteVector.fromArray(B, raw, base + j * PANEL).convertShape(VectorOperators.B2I, I, 0);
                ((FloatVector) b.and(0xF).convertShape(VectorOperators.I2F, F, 0)).intoArray(q, out + j * PANEL);
                ((FloatVector) b.lanewise(VectorOperators.LSHR, 4).and(0xF).convertShape(VectorOperators.I2F, F, 0))
                        .intoArray(q, out + (j + 16) * PANEL);
            }
        }
    }
}
