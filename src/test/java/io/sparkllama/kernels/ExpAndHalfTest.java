package io.sparkllama.kernels;

import io.sparkllama.format.Half;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpAndHalfTest {
    @Test
    void vectorAndScalarExpGiveTheSameBitsAndAreAccurate() {
        Random rnd = new Random(1);
        float[] x = new float[8 * 20000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < 64 ? new float[] {0f, -0f, 1f, -1f, 88.37f, -87.3f, 100f, -1000f}[i % 8] : (float) (rnd.nextDouble() * 180 - 90);
        }
        float[] v = new float[x.length];
        Exp.exp(x, 0, v, 0, x.length, 0f, 1f);
        float[] shifted = new float[x.length];
        Exp.exp(x, 0, shifted, 0, x.length - 3, 2f, -0.5f); // with a shift and scale, and a scalar tail
        for (int i = 0; i < x.length - 3; i++) {
            assertEquals(Float.floatToRawIntBits(Exp.exp((x[i] - 2f) * -0.5f)), Float.floatToRawIntBits(shifted[i]));
        }
        for (int i = 0; i < x.length; i++) {
            float s = Exp.exp(x[i]);
            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(v[i]), "exp(" + x[i] + ")");
            if (x[i] >= -87.3f && x[i] <= 88.37f) {
                double want = Math.exp(x[i]);
                assertTrue(Math.abs(s - want) <= 4 * Math.ulp((float) want), "exp(" + x[i] + ") = " + s + ", want " + want);
            }
        }
        assertEquals(1f, Exp.exp(0f));
        assertTrue(Exp.exp(-1000f) < 1.3e-38f && Exp.exp(-1000f) > 0f, "clamped below: " + Exp.exp(-1000f));
    }

    @Test
    void halfConversionsAreExactAndRoundToNearestEven() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        float[] vec = new float[all.length];
        HalfVectors.toFloat(all, 0, vec, 0, all.length);
        for (int i = 0; i < all.length; i++) {
            short h = (short) i;
            float f = Half.toFloat(h);
            boolean special = (i & 0x7C00) == 0x7C00;
            if (!special) {
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(vec[i]), "half 0x" + Integer.toHexString(i));
                assertEquals(h, Half.fromFloat(f), "round trip of 0x" + Integer.toHexString(i));
            } else if ((i & 0x3FF) == 0) {
                assertTrue(Float.isInfinite(f));
                assertEquals(h, Half.fromFloat(f));
            } else {
                assertTrue(Float.isNaN(f));
            }
        }
        // nearest, ties to even: midpoints between neighbouring halves
        Random rnd = new Random(2);
        for (int n = 0; n < 100_000; n++) {
            float f = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 25));
            short h = Half.fromFloat(f);
            float got = Half.toFloat(h);
            float up = Half.toFloat((short) (h + 1)), down = Half.toFloat((short) (h - 1));
            double err = Math.abs((double) got - f);
            if (!Float.isInfinite(got)) {
                assertTrue(err <= Math.abs((double) up - f) && err <= Math.abs((double) down - f) || Float.isNaN(up) || Float.isNaN(down),
                        f + " -> " + got);
            }
        }
        assertEquals((short) 0x3C00, Half.fromFloat(1f));
        assertEquals((short) 0x3C00, Half.fromFloat(1f + 0x1p-11f)); // tie: to even (down)
        assertEquals((short) 0x3C02, Half.fromFloat(1f + 3 * 0x1p-11f)); // tie: to even (up)
        assertEquals((short) 0x7C00, Half.fromFloat(65520f)); // rounds up to infinity
        assertEquals((short) 0x0001, Half.fromFloat(0x1p-24f));
        assertEquals((short) 0x0000, Half.fromFloat(0x1p-25f)); // tie to even zero
    }

    @Test
    void opsMatchPlainFormulas() {
        Random rnd = new Random(3);
        for (int n : new int[] {1, 7, 8, 64, 172}) {
            float[] x = new float[n], w = new float[n], out = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) rnd.nextGaussian();
                w[i] = (float) rnd.nextGaussian();
            }
            Ops.rmsNorm(out, 0, x, 0, w, n, 1e-5f);
            double ss = 0;
            for (float v : x) {
                ss += (double) v * v;
            }
            double scale = 1 / Math.sqrt(ss / n + 1e-5);
            for (int i = 0; i < n; i++) {
                assertEquals(w[i] * x[i] * scale, out[i], 1e-5 * Math.abs(w[i] * x[i] * scale) + 1e-6);
            }
            float[] s = x.clone();
            Ops.softmax(s, 0, n);
            double sum = 0;
            for (float v : s) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-5);
            float[] a = x.clone(), b = w.clone();
            Ops.swiGlu(a, b, 0, n, new float[n]);
            for (int i = 0; i < n; i++) {
                double silu = x[i] / (1 + Math.exp(-x[i]));
                assertEquals(silu * w[i], a[i], 1e-5 * Math.abs(silu * w[i]) + 1e-6);
            }
        }
    }
}
