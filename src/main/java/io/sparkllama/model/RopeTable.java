package io.sparkllama.model;

/**
 * Rotary position embedding in the interleaved-pair form of llama2.c and GGUF llama: within each
 * head, the pair (x[j], x[j+1]) for even j below the rope dimension count is rotated by
 * {@code pos * theta^(-j/ropeDim)}. Angles are tabulated once per position with StrictMath, so
 * they are the same on every JVM.
 */
final class RopeTable {
    private final int pairs;
    private final float[] cos;
    private final float[] sin;

    RopeTable(int contextLength, int ropeDim, float theta) {
        this.pairs = ropeDim / 2;
        this.cos = new float[contextLength * pairs];
        this.sin = new float[contextLength * pairs];
        for (int j = 0; j < pairs; j++) {
            float freq = 1.0f / (float) StrictMath.pow(theta, (2 * j) / (float) ropeDim);
            for (int pos = 0; pos < contextLength; pos++) {
                float angle = pos * freq;
                cos[pos * pairs + j] = (float) StrictMath.cos(angle);
                sin[pos * pairs + j] = (float) StrictMath.sin(angle);
            }
        }
    }

    /** Rotates {@code count} heads of {@code headSize} floats starting at {@code x[o]}, for position {@code pos}. */
    void apply(float[] x, int o, int count, int headSize, int pos) {
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
