package io.sparkllama.model;

/**
 * Rotary position embedding in the interleaved-pair form of llama2.c and GGUF llama (llama.cpp's
 * rope type NORM): within each head, the pair (x[j], x[j+1]) for even j below the rope dimension
 * count is rotated by {@code pos * scale * theta^(-j/ropeDim) / factor[j/2]}, where {@code scale}
 * is the linear rope scaling and {@code factor} the file's {@code rope_freqs} (1 without).
 * Angles are tabulated with StrictMath, so they are the same on every JVM; the table grows in
 * blocks of positions as sequences reach them, so a 128k-context model does not pay for
 * positions no request uses.
 */
final class RopeTable {
    private static final int BLOCK = 1024;

    private final int pairs;
    private final int contextLength;
    private final float[] frequencies;
    private volatile float[] cos = new float[0];
    private volatile float[] sin = new float[0];

    /**
     * @param factors per-pair frequency divisors ({@code rope_freqs.weight}), or null
     */
    RopeTable(int contextLength, int ropeDim, float theta, float scale, float[] factors) {
        this.pairs = ropeDim / 2;
        this.contextLength = contextLength;
        this.frequencies = new float[pairs];
        for (int j = 0; j < pairs; j++) {
            // run.c's float frequency; scale and factor 1 leave it bit for bit as it is
            float base = 1.0f / (float) StrictMath.pow(theta, (2 * j) / (float) ropeDim);
            frequencies[j] = (float) (base * (double) scale / (factors == null ? 1.0 : factors[j]));
        }
    }

    /** Makes positions below {@code positions} available; call before rotating them from other threads. */
    synchronized void ensure(int positions) {
        int have = cos.length / Math.max(1, pairs);
        if (positions <= have || pairs == 0) {
            return;
        }
        int size = Math.min(contextLength, Math.max(positions, have + BLOCK));
        float[] c = java.util.Arrays.copyOf(cos, size * pairs);
        float[] s = java.util.Arrays.copyOf(sin, size * pairs);
        for (int pos = have; pos < size; pos++) {
            for (int j = 0; j < pairs; j++) {
                float angle = pos * frequencies[j];
                c[pos * pairs + j] = (float) StrictMath.cos(angle);
                s[pos * pairs + j] = (float) StrictMath.sin(angle);
            }
        }
        sin = s;
        cos = c;
    }

    /** Rotates {@code count} heads of {@code headSize} floats starting at {@code x[o]}, for position {@code pos}. */
    void apply(float[] x, int o, int count, int headSize, int pos) {
        float[] cos = this.cos, sin = this.sin;
        int t = pos * pairs;
        for (int h = 0; h < count; h++) {
            int base = o + h * headSize;
            for (int j = 0; j < pairs; j++) {
                int i = base + 2 * j;
                float c = cos[t + j], s = sin[t + j];
                float v0 = x[i], v1 = x[i + 1];
                x[i] = v0 * c - v1 * s;
                x[i + 1] = v0 * s + v1 * c;
            }
        }
    }
}
