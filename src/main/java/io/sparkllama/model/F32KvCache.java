package io.sparkllama.model;

import io.sparkllama.kernels.Attention;

/** Paged KV cache in float, in the layout described on {@link KvCache}. */
final class F32KvCache extends KvCache {
    private final float[][] keys;
    private final float[][] values;

    F32KvCache(LlamaConfig c, int slots, int context, int blockSize, int blocks) {
        super(c, slots, context, blockSize, blocks);
        keys = new float[blocks][];
        values = new float[blocks][];
    }

    @Override
    public Type type() {
        return Type.F32;
    }

    @Override
    protected void createBlock(int block) {
        keys[block] = new float[layers * layerStride];
        values[block] = new float[layers * layerStride];
    }

    @Override
    protected void storeAt(int layer, int block, int t, float[] k, int ko, float[] v, int vo) {
        float[] kd = keys[block];
        int base = layer * layerStride + t;
        for (int d = 0; d < kvDim; d++) {
            kd[base + d * blockSize] = k[ko + d];
        }
        System.arraycopy(v, vo, values[block], layer * layerStride + t * kvDim, kvDim);
    }

    @Override
    protected Object keys(int block) {
        return keys[block];
    }

    @Override
    protected Object values(int block) {
        return values[block];
    }

    @Override
    void scoreKeys(int layer, int block, int at, int kvHead, float[] q, int qo, float[] scores, int n, int from, int len) {
        Attention.scores(keys[block], layer * layerStride + kvHead * headSize * blockSize + at, blockSize, q, qo, headSize,
                kvGroup, scores, n, from, len);
    }

    @Override
    void sumValues(int layer, int block, int at, int kvHead, float[] scores, int n, int from, int len, float[] out, int oo) {
        Attention.addWeighted(values[block], layer * layerStride + at * kvDim + kvHead * headSize, kvDim, scores, n, from, len,
                headSize, kvGroup, out, oo);
    }
}
