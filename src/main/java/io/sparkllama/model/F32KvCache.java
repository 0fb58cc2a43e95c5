package io.sparkllama.model;

import io.sparkllama.kernels.Attention;

/** KV cache in float, in the layout described on {@link KvCache}. */
final class F32KvCache extends KvCache {
    private final float[][] keys;
    private final float[][] values;

    F32KvCache(LlamaConfig c, int slots, int context) {
        super(c, slots, context);
        keys = new float[layers * slots][context * kvDim];
        values = new float[layers * slots][context * kvDim];
    }

    @Override
    public Type type() {
        return Type.F32;
    }

    @Override
    void store(int layer, int slot, int pos, float[] k, int ko, float[] v, int vo) {
        int i = index(layer, slot);
        float[] kd = keys[i];
        for (int d = 0; d < kvDim; d++) {
            kd[d * context + pos] = k[ko + d];
        }
        System.arraycopy(v, vo, values[i], pos * kvDim, kvDim);
    }

    @Override
    protected Object array(int layer, int slot, boolean keys) {
        return keys ? this.keys[index(layer, slot)] : values[index(layer, slot)];
    }

    @Override
    void scoreKeys(int layer, int slot, int kvHead, float[] q, int qo, float[] scores, int n) {
        Attention.scores(keys[index(layer, slot)], kvHead * headSize * context, context, q, qo, headSize, kvGroup, scores, n);
    }

    @Override
    void sumValues(int layer, int slot, int kvHead, float[] scores, int n, float[] out, int oo) {
        Attention.weightedSum(values[index(layer, slot)], kvHead * headSize, kvDim, scores, n, headSize, kvGroup, out, oo);
    }
}
