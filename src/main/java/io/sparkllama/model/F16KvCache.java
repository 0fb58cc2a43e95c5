package io.sparkllama.model;

import io.sparkllama.format.Half;
import io.sparkllama.kernels.Attention;
import io.sparkllama.kernels.HalfVectors;

/**
 * Paged KV cache in IEEE half precision, in the layout described on {@link KvCache}: half the
 * memory of F32. Keys and values are rounded to nearest on store; values beyond the half range
 * saturate to its largest finite value, so the cache never holds infinities. Attention widens
 * the positions of a block into a float scratch and runs the float kernels.
 */
final class F16KvCache extends KvCache {
    private static final short MAX_HALF = 0x7BFF;

    private final short[][] keys;
    private final short[][] values;

    F16KvCache(LlamaConfig c, int slots, int context, int blockSize, int blocks) {
        super(c, slots, context, blockSize, blocks);
        keys = new short[blocks][];
        values = new short[blocks][];
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
    protected void createBlock(int block) {
        keys[block] = new short[layers * layerStride];
        values[block] = new short[layers * layerStride];
    }

    @Override
    protected void storeAt(int layer, int block, int t, float[] k, int ko, float[] v, int vo) {
        short[] kd = keys[block], vd = values[block];
        int kBase = layer * layerStride + t, vBase = layer * layerStride + t * kvDim;
        for (int d = 0; d < kvDim; d++) {
            kd[kBase + d * blockSize] = toHalf(k[ko + d]);
            vd[vBase + d] = toHalf(v[vo + d]);
        }
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
        short[] k = keys[block];
        float[] f = Scratch.floats(headSize * len);
        int base = layer * layerStride + kvHead * headSize * blockSize + at;
        for (int d = 0; d < headSize; d++) {
            HalfVectors.toFloat(k, base + d * blockSize, f, d * len, len);
        }
        Attention.scores(f, 0, len, q, qo, headSize, kvGroup, scores, n, from, len);
    }

    @Override
    void sumValues(int layer, int block, int at, int kvHead, float[] scores, int n, int from, int len, float[] out, int oo) {
        short[] v = values[block];
        float[] f = Scratch.floats(headSize * len);
        int base = layer * layerStride + at * kvDim + kvHead * headSize;
        for (int t = 0; t < len; t++) {
            HalfVectors.toFloat(v, base + t * kvDim, f, t * headSize, headSize);
        }
        Attention.addWeighted(f, 0, headSize, scores, n, from, len, headSize, kvGroup, out, oo);
    }
}
