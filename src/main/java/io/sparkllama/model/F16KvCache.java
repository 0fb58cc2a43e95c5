package io.sparkllama.model;

import io.sparkllama.format.Half;
import io.sparkllama.kernels.Attention;
import io.sparkllama.kernels.HalfVectors;

/**
 * KV cache in IEEE half precision, in the layout described on {@link KvCache}: half the memory of
 * F32. Keys and values are rounded to nearest on store; values beyond the half range saturate to
 * its largest finite value, so the cache never holds infinities. Attention widens the positions
 * it reads into a float scratch and runs the float kernels.
 */
final class F16KvCache extends KvCache {
    private static final short MAX_HALF = 0x7BFF;

    private final short[][] keys;
    private final short[][] values;

    F16KvCache(LlamaConfig c, int slots, int context) {
        super(c, slots, context);
        keys = new short[layers * slots][context * kvDim];
        values = new short[layers * slots][context * kvDim];
    }

    @Override
    public Type type() {
        return Type.F16;
    }

    private static short toHalf(float f) {
        short h = Half.fromFloat(f);
        if ((h & 0x7C00) == 0x7C00) {
            return (short) ((h & 0x8000) | MAX_HALF); // saturate infinities; NaN inputs become the max too
        }
        return h;
    }

    @Override
    void store(int layer, int slot, int pos, float[] k, int ko, float[] v, int vo) {
        int i = index(layer, slot);
        short[] kd = keys[i], vd = values[i];
        int base = pos * kvDim;
        for (int d = 0; d < kvDim; d++) {
            kd[d * context + pos] = toHalf(k[ko + d]);
            vd[base + d] = toHalf(v[vo + d]);
        }
    }

    @Override
    protected Object array(int layer, int slot, boolean keys) {
        return keys ? this.keys[index(layer, slot)] : values[index(layer, slot)];
    }

    @Override
    void scoreKeys(int layer, int slot, int kvHead, float[] q, int qo, float[] scores, int n) {
        short[] k = keys[index(layer, slot)];
        float[] f = Scratch.floats(headSize * n);
        int base = kvHead * headSize * context;
        for (int d = 0; d < headSize; d++) {
            HalfVectors.toFloat(k, base + d * context, f, d * n, n);
        }
        Attention.scores(f, 0, n, q, qo, headSize, kvGroup, scores, n);
    }

    @Override
    void sumValues(int layer, int slot, int kvHead, float[] scores, int n, float[] out, int oo) {
        short[] v = values[index(layer, slot)];
        float[] f = Scratch.floats(headSize * n);
        for (int t = 0; t < n; t++) {
            HalfVectors.toFloat(v, t * kvDim + kvHead * headSize, f, t * headSize, headSize);
        }
        Attention.weightedSum(f, 0, headSize, scores, n, headSize, kvGroup, out, oo);
    }
}
