package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;
import io.sparkllama.format.TensorData;

import java.util.Random;

/** Random weight matrices of each storage type, with values a real file could hold. */
final class RandomMatrices {
    private RandomMatrices() {
    }

    static WeightMatrix of(GgmlType type, int rows, int cols, Random rnd) {
        int n = rows * cols;
        switch (type) {
            case F32: {
                float[] w = new float[n];
                for (int i = 0; i < n; i++) {
                    w[i] = (float) rnd.nextGaussian();
                }
                return Matrices.of(TensorData.ofF32("w", rows, cols, w));
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
                return Matrices.of(TensorData.of16("w", GgmlType.F16, rows, cols, h));
            }
            case BF16: {
                short[] h = new short[n];
                for (int i = 0; i < n; i++) {
                    h[i] = (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16);
                }
                return Matrices.of(TensorData.of16("w", GgmlType.BF16, rows, cols, h));
            }
            case Q8_0: {
                byte[] q = new byte[n];
                for (int i = 0; i < n; i++) {
                    q[i] = (byte) (rnd.nextInt(255) - 127);
                }
                return Matrices.of(TensorData.ofBlocks("w", type, rows, cols, q, scales(n / 32, rnd)));
            }
            case Q4_0: {
                byte[] q = new byte[n / 2];
                rnd.nextBytes(q);
                return Matrices.of(TensorData.ofBlocks("w", type, rows, cols, q, scales(n / 32, rnd)));
            }
            default:
                throw new IllegalArgumentException(type.toString());
        }
    }

    /** Block scales as stored in files: fp16 values, some negative. */
    private static float[] scales(int n, Random rnd) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = Half.toFloat(Half.fromFloat((float) (rnd.nextGaussian() * 0.01)));
        }
        return s;
    }

    static float[] vector(int n, Random rnd) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
