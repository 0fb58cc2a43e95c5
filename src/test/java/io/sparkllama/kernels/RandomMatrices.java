package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;
import io.sparkllama.format.TensorData;

import java.util.List;
import java.util.Random;

/** Random weight matrices of each storage type, with values a real file could hold. */
final class RandomMatrices {
    /** Every type the engine loads. */
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
            GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_XS);

    private RandomMatrices() {
    }

    static WeightMatrix of(GgmlType type, int rows, int cols, Random rnd) {
        return Matrices.of(data(type, rows, cols, rnd));
    }

    /** A random tensor of the type; block types as file bytes (random, with finite fp16 scales). */
    static TensorData data(GgmlType type, int rows, int cols, Random rnd) {
        int n = rows * cols;
        switch (type) {
            case F32: {
                float[] w = new float[n];
                for (int i = 0; i < n; i++) {
                    w[i] = (float) rnd.nextGaussian();
                }
                return TensorData.ofF32("w", rows, cols, w);
            }
            case F16: {
                short[] h = new short[n];
                for (int i = 0; i < n; i++) {
                    // any finite half, subnormals included
                    short v;
                    do {
                        v = (short) rnd.nextInt(1 << 16);
                    } while ((v & 0x7C00) == 0x7C00);
                    h[i] = v;
                }
                return TensorData.of16("w", GgmlType.F16, rows, cols, h);
            }
            case BF16: {
                short[] h = new short[n];
                for (int i = 0; i < n; i++) {
                    h[i] = (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16);
                }
                return TensorData.of16("w", GgmlType.BF16, rows, cols, h);
            }
            default: {
                byte[] b = new byte[(int) type.bytesFor(n)];
                rnd.nextBytes(b);
                for (int blk = 0; blk < n / type.blockSize; blk++) {
                    for (int at : halfFields(type)) {
                        short h = Half.fromFloat((float) (rnd.nextGaussian() * 0.01));
                        b[blk * type.blockBytes + at] = (byte) h;
                        b[blk * type.blockBytes + at + 1] = (byte) (h >> 8);
                    }
                }
                return TensorData.ofBlocks("w", type, rows, cols, b);
            }
        }
    }

    /** Byte offsets of a block's fp16 fields (FORMATS.md section 1). */
    static int[] halfFields(GgmlType type) {
        return switch (type) {
            case Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static float[] vector(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
