package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * exp(x) in float from basic IEEE operations only (add, multiply, fma, integer shifts), in a
 * vector and a scalar form that give the same bits. {@code Math.exp} may differ between the
 * interpreter, the JIT and JDK versions, and the Vector API's {@code EXP} between its intrinsic
 * and its Java fallback; this one cannot, which keeps sampling and attention reproducible.
 *
 * <p>Cephes' expf: k = round(x log2 e), r = x - k ln 2 (in two parts), a degree-6 polynomial,
 * times 2^k. Rounding adds 1.5 * 2^23, which leaves k in the low mantissa bits of the sum, so
 * 2^k is built with an integer add and shift (float-to-int conversion is not intrinsified on
 * every JDK). Error within 4 ulp. Inputs are clamped to [-87.3, 88.37], so the result is a
 * finite normal float (about 1.3e-38 for anything below -87.3).
 *
 * <p>The vector form works on arrays rather than taking and returning vectors: a vector that
 * crosses a method boundary the JIT declines to inline is boxed, which is slow.
 */
public final class Exp {
    private static final float LO = -87.3f, HI = 88.37f;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding and subtracting it rounds to an integer
    private static final float C1 = 0.693359375f, C2 = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private Exp() {
    }

    public static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float shifted = x * LOG2E + ROUND;
        float k = shifted - ROUND;
        float r = Math.fma(k, -C1, x);
        r = Math.fma(k, -C2, r);
        float p = Math.fma(P0, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        p = Math.fma(p, r * r, r + 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) + 127) << 23);
    }

    /**
     * {@code out[oo+i] = exp((x[xo+i] - shift) * scale)} for {@code i < n}; the same bits as
     * {@link #exp(float)} of the same argument. {@code out} may be {@code x}.
     */
    public static void exp(float[] x, int xo, float[] out, int oo, int n, float shift, float scale) {
        int full = n & -L;
        for (int i = 0; i < full; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i).sub(shift).mul(scale).max(LO).min(HI);
            FloatVector shifted = v.mul(LOG2E).add(ROUND);
            FloatVector k = shifted.sub(ROUND);
            FloatVector r = k.fma(FloatVector.broadcast(F, -C1), v);
            r = k.fma(FloatVector.broadcast(F, -C2), r);
            FloatVector p = FloatVector.broadcast(F, P0).fma(r, FloatVector.broadcast(F, P1));
            p = p.fma(r, FloatVector.broadcast(F, P2));
            p = p.fma(r, FloatVector.broadcast(F, P3));
            p = p.fma(r, FloatVector.broadcast(F, P4));
            p = p.fma(r, FloatVector.broadcast(F, P5));
            p = p.fma(r.mul(r), r.add(1f));
            IntVector scaleBits = shifted.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23);
            p.mul(scaleBits.reinterpretAsFloats()).intoArray(out, oo + i);
        }
        for (int i = full; i < n; i++) {
            out[oo + i] = exp((x[xo + i] - shift) * scale);
        }
    }
}
