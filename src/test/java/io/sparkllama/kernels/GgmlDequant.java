package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;

/**
 * ggml's dequantization loops ({@code dequantize_row_*} in ggml-quants.c, as FORMATS.md section 1
 * restates them), transcribed line by line onto a file's block bytes, in float arithmetic
 * evaluated as C evaluates it. Independent of the kernels' repacking: the tests check that every
 * weight matrix decodes to exactly these values.
 */
final class GgmlDequant {
    private static final int[] KVALUES = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private GgmlDequant() {
    }

    /** All {@code n} weights of consecutive blocks of {@code type} in {@code b}, row after row. */
    static float[] dequantize(GgmlType type, byte[] b, int n) {
        float[] y = new float[n];
        int blocks = n / type.blockSize;
        for (int i = 0; i < blocks; i++) {
            int x = i * type.blockBytes, o = i * type.blockSize;
            switch (type) {
                case Q4_0 -> q4_0(b, x, y, o);
                case Q4_1 -> q4_1(b, x, y, o);
                case Q5_0 -> q5(b, x, y, o, false);
                case Q5_1 -> q5(b, x, y, o, true);
                case Q8_0 -> q8_0(b, x, y, o);
                case IQ4_NL -> iq4nl(b, x, y, o);
                case IQ4_XS -> iq4xs(b, x, y, o);
                case Q2_K -> q2k(b, x, y, o);
                case Q3_K -> q3k(b, x, y, o);
                case Q4_K -> q4k(b, x, y, o);
                case Q5_K -> q5k(b, x, y, o);
                case Q6_K -> q6k(b, x, y, o);
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return y;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static float f16(byte[] b, int i) {
        return Half.toFloat((short) (u8(b, i) | u8(b, i + 1) << 8));
    }

    private static void q4_0(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x);
        for (int j = 0; j < 16; j++) {
            y[o + j] = ((u8(b, x + 2 + j) & 0x0F) - 8) * d;
            y[o + j + 16] = ((u8(b, x + 2 + j) >> 4) - 8) * d;
        }
    }

    private static void q4_1(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x), m = f16(b, x + 2);
        for (int j = 0; j < 16; j++) {
            y[o + j] = (u8(b, x + 4 + j) & 0x0F) * d + m;
            y[o + j + 16] = (u8(b, x + 4 + j) >> 4) * d + m;
        }
    }

    private static void q5(byte[] b, int x, float[] y, int o, boolean withMin) {
        float d = f16(b, x), m = withMin ? f16(b, x + 2) : 0f;
        int h = x + (withMin ? 4 : 2);
        int qh = u8(b, h) | u8(b, h + 1) << 8 | u8(b, h + 2) << 16 | u8(b, h + 3) << 24;
        for (int j = 0; j < 16; j++) {
            int xh0 = ((qh >>> j) << 4) & 0x10;
            int xh1 = (qh >>> (j + 12)) & 0x10;
            int q0 = (u8(b, h + 4 + j) & 0x0F) | xh0, q1 = (u8(b, h + 4 + j) >> 4) | xh1;
            if (withMin) {
                y[o + j] = q0 * d + m;
                y[o + j + 16] = q1 * d + m;
            } else {
                y[o + j] = (q0 - 16) * d;
                y[o + j + 16] = (q1 - 16) * d;
            }
        }
    }

    private static void q8_0(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x);
        for (int j = 0; j < 32; j++) {
            y[o + j] = b[x + 2 + j] * d;
        }
    }

    private static void iq4nl(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x);
        for (int j = 0; j < 16; j++) {
            y[o + j] = d * KVALUES[u8(b, x + 2 + j) & 0xF];
            y[o + j + 16] = d * KVALUES[u8(b, x + 2 + j) >> 4];
        }
    }

    private static void iq4xs(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x);
        int scalesH = u8(b, x + 2) | u8(b, x + 3) << 8;
        for (int ib = 0; ib < 8; ib++) {
            int ls = ((u8(b, x + 4 + ib / 2) >> 4 * (ib % 2)) & 0xF) | (((scalesH >> 2 * ib) & 3) << 4);
            float dl = d * (ls - 32);
            int q = x + 8 + 16 * ib;
            for (int j = 0; j < 16; j++) {
                y[o + 32 * ib + j] = dl * KVALUES[u8(b, q + j) & 0xF];
                y[o + 32 * ib + j + 16] = dl * KVALUES[u8(b, q + j) >> 4];
            }
        }
    }

    private static void q2k(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x + 80), min = f16(b, x + 82);
        int is = 0, out = o;
        for (int n = 0; n < 2; n++) {
            int q = x + 16 + 32 * n;
            for (int j = 0; j < 4; j++) {
                int shift = 2 * j;
                int sc = u8(b, x + is++);
                float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                for (int l = 0; l < 16; l++) {
                    y[out++] = dl * ((u8(b, q + l) >> shift) & 3) - ml;
                }
                sc = u8(b, x + is++);
                dl = d * (sc & 0xF);
                ml = min * (sc >> 4);
                for (int l = 0; l < 16; l++) {
                    y[out++] = dl * ((u8(b, q + l + 16) >> shift) & 3) - ml;
                }
            }
        }
    }

    private static void q3k(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x + 108);
        int a0 = word(b, x + 96), a1 = word(b, x + 100), a2 = word(b, x + 104);
        int[] aux = {
                (a0 & 0x0f0f0f0f) | (((a2 >> 0) & 0x03030303) << 4),
                (a1 & 0x0f0f0f0f) | (((a2 >> 2) & 0x03030303) << 4),
                ((a0 >> 4) & 0x0f0f0f0f) | (((a2 >> 4) & 0x03030303) << 4),
                ((a1 >> 4) & 0x0f0f0f0f) | (((a2 >> 6) & 0x03030303) << 4)};
        int[] sc = new int[16];
        for (int i = 0; i < 16; i++) {
            sc[i] = (byte) (aux[i / 4] >> 8 * (i % 4)) - 32;
        }
        int m = 1, is = 0, out = o;
        for (int n = 0; n < 2; n++) {
            int q = x + 32 + 32 * n;
            for (int j = 0; j < 4; j++) {
                int shift = 2 * j;
                float dl = d * sc[is++];
                for (int l = 0; l < 16; l++) {
                    y[out++] = dl * (((u8(b, q + l) >> shift) & 3) - ((u8(b, x + l) & m) != 0 ? 0 : 4));
                }
                dl = d * sc[is++];
                for (int l = 0; l < 16; l++) {
                    y[out++] = dl * (((u8(b, q + l + 16) >> shift) & 3) - ((u8(b, x + l + 16) & m) != 0 ? 0 : 4));
                }
                m <<= 1;
            }
        }
    }

    private static int word(byte[] b, int i) {
        return u8(b, i) | u8(b, i + 1) << 8 | u8(b, i + 2) << 16 | u8(b, i + 3) << 24;
    }

    /** get_scale_min_k4: {sc, m} of sub-block j from the 12 scale bytes at s. */
    private static int[] scaleMin(byte[] b, int s, int j) {
        if (j < 4) {
            return new int[] {u8(b, s + j) & 63, u8(b, s + j + 4) & 63};
        }
        return new int[] {(u8(b, s + j + 4) & 0xF) | ((u8(b, s + j - 4) >> 6) << 4),
                (u8(b, s + j + 4) >> 4) | ((u8(b, s + j) >> 6) << 4)};
    }

    private static void q4k(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x), min = f16(b, x + 2);
        int out = o;
        for (int c = 0; c < 4; c++) {
            int q = x + 16 + 32 * c;
            int[] sm1 = scaleMin(b, x + 4, 2 * c), sm2 = scaleMin(b, x + 4, 2 * c + 1);
            float d1 = d * sm1[0], m1 = min * sm1[1], d2 = d * sm2[0], m2 = min * sm2[1];
            for (int l = 0; l < 32; l++) {
                y[out++] = d1 * (u8(b, q + l) & 0xF) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[out++] = d2 * (u8(b, q + l) >> 4) - m2;
            }
        }
    }

    private static void q5k(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x), min = f16(b, x + 2);
        int qh = x + 16, out = o, u1 = 1, u2 = 2;
        for (int c = 0; c < 4; c++) {
            int ql = x + 48 + 32 * c;
            int[] sm1 = scaleMin(b, x + 4, 2 * c), sm2 = scaleMin(b, x + 4, 2 * c + 1);
            float d1 = d * sm1[0], m1 = min * sm1[1], d2 = d * sm2[0], m2 = min * sm2[1];
            for (int l = 0; l < 32; l++) {
                y[out++] = d1 * ((u8(b, ql + l) & 0xF) + ((u8(b, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            }
            for (int l = 0; l < 32; l++) {
                y[out++] = d2 * ((u8(b, ql + l) >> 4) + ((u8(b, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            }
            u1 <<= 2;
            u2 <<= 2;
        }
    }

    private static void q6k(byte[] b, int x, float[] y, int o) {
        float d = f16(b, x + 208);
        for (int n = 0; n < 2; n++) {
            int ql = x + 64 * n, qh = x + 128 + 32 * n, sc = x + 192 + 8 * n, out = o + 128 * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((u8(b, ql + l) & 0xF) | (((u8(b, qh + l) >> 0) & 3) << 4)) - 32;
                int q2 = ((u8(b, ql + l + 32) & 0xF) | (((u8(b, qh + l) >> 2) & 3) << 4)) - 32;
                int q3 = ((u8(b, ql + l) >> 4) | (((u8(b, qh + l) >> 4) & 3) << 4)) - 32;
                int q4 = ((u8(b, ql + l + 32) >> 4) | (((u8(b, qh + l) >> 6) & 3) << 4)) - 32;
                y[out + l] = d * b[sc + is] * q1;
                y[out + l + 32] = d * b[sc + is + 2] * q2;
                y[out + l + 64] = d * b[sc + is + 4] * q3;
                y[out + l + 96] = d * b[sc + is + 6] * q4;
            }
        }
    }
}
