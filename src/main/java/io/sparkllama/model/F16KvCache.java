package io.sparkllama.model;

import io.sparkllama.format.Half;
import io.sparkllama.kernels.Dot;
import io.sparkllama.kernels.HalfVectors;
import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;
import static io.sparkllama.kernels.Dot.L;

/**
 * KV cache in IEEE half precision: half the memory of F32, keys and values rounded to nearest
 * on store (values beyond the half range saturate to its largest finite value so the cache
 * never holds infinities).
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
        for (int j = 0; j < kvDim; j++) {
            kd[base + j] = toHalf(k[ko + j]);
            vd[base + j] = toHalf(v[vo + j]);
        }
    }

    @Override
    protected Object array(int layer, int slot, boolean keys) {
        return keys ? this.keys[index(layer, slot)] : values[index(layer, slot)];
    }

    @Override
    void scoreKeys(int layer, int slot, int kvOffset, float[] q, int qo, float[] scores, int n) {
        short[] k = keys[index(layer, slot)];
        int full = headSize & -L;
        for (int t = 0; t < n; t++) {
            int base = t * kvDim + kvOffset;
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < full; c += L) {
                acc = HalfVectors.toFloat(k, base + c).fma(FloatVector.fromArray(F, q, qo + c), acc);
            }
            float s = Dot.lanes(acc);
            for (int c = full; c < headSize; c++) {
                s = Math.fma(Half.toFloat(k[base + c]), q[qo + c], s);
            }
            scores[t] = s;
        }
    }

    @Override
    void sumValues(int layer, int slot, int kvOffset, float[] scores, int n, float[] out, int oo) {
        short[] v = values[index(layer, slot)];
        int full = headSize & -L;
        for (int c = 0; c < full; c += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int t = 0; t < n; t++) {
                acc = HalfVectors.toFloat(v, t * kvDim + kvOffset + c).fma(FloatVector.broadcast(F, scores[t]), acc);
            }
            acc.intoArray(out, oo + c);
        }
        for (int c = full; c < headSize; c++) {
            float acc = 0f;
            for (int t = 0; t < n; t++) {
                acc = Math.fma(Half.toFloat(v[t * kvDim + kvOffset + c]), scores[t], acc);
            }
            out[oo + c] = acc;
        }
    }
}
