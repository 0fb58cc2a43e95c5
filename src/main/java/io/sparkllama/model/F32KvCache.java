package io.sparkllama.model;

import io.sparkllama.kernels.Dot;
import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/** KV cache in float. */
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
        System.arraycopy(k, ko, keys[i], pos * kvDim, kvDim);
        System.arraycopy(v, vo, values[i], pos * kvDim, kvDim);
    }

    @Override
    protected Object array(int layer, int slot, boolean keys) {
        return keys ? this.keys[index(layer, slot)] : values[index(layer, slot)];
    }

    @Override
    void scoreKeys(int layer, int slot, int kvOffset, float[] q, int qo, float[] scores, int n) {
        float[] k = keys[index(layer, slot)];
        for (int t = 0; t < n; t++) {
            scores[t] = Dot.dot(q, qo, k, t * kvDim + kvOffset, headSize);
        }
    }

    @Override
    void sumValues(int layer, int slot, int kvOffset, float[] scores, int n, float[] out, int oo) {
        float[] v = values[index(layer, slot)];
        int full = headSize & -L;
        for (int c = 0; c < full; c += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int t = 0; t < n; t++) {
                acc = FloatVector.fromArray(F, v, t * kvDim + kvOffset + c).fma(FloatVector.broadcast(F, scores[t]), acc);
            }
            acc.intoArray(out, oo + c);
        }
        for (int c = full; c < headSize; c++) {
            float acc = 0f;
            for (int t = 0; t < n; t++) {
                acc = Math.fma(v[t * kvDim + kvOffset + c], scores[t], acc);
            }
            out[oo + c] = acc;
        }
    }
}
