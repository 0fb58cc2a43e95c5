package io.sparkllama.model;

import io.sparkllama.kernels.Ops;

import java.util.Locale;

/**
 * The key/value cache of a fixed number of sequence slots, allocated once: for every layer and
 * slot, {@code context x kvDim} keys and as many values. A sequence owns one slot while it runs;
 * attention for a token reads only its own slot, so what other slots hold never changes a
 * result.
 *
 * <p>Keys are stored transposed, {@code [kvDim][context]} (one row per key dimension, positions
 * along the row), so the scores of eight positions come from one vector fma per key dimension
 * with no horizontal sums: {@code score[t] = sum over d, in order, of k[d][t] * q[d]}. Values
 * are stored {@code [context][kvDim]}, and the weighted sum runs over positions in order with the
 * head dimensions in the lanes.
 */
public abstract class KvCache {
    /** Element type of the cache. */
    public enum Type {
        F32(4), F16(2);

        /** Bytes per cached element. */
        public final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }

        /** Parses "f32" or "f16" (any case). */
        public static Type parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("KV cache type must be f32 or f16, not \"" + s + "\"");
            }
        }
    }

    protected final int layers;
    protected final int slots;
    protected final int context;
    protected final int kvDim;
    protected final int headSize;
    protected final int kvGroup;
    private final float scoreScale;

    protected KvCache(LlamaConfig c, int slots, int context) {
        this.layers = c.layers();
        this.slots = slots;
        this.context = context;
        this.kvDim = c.kvDim();
        this.headSize = c.headSize();
        this.kvGroup = c.kvGroup();
        this.scoreScale = (float) Math.sqrt(headSize);
    }

    /** Bytes a cache of this shape takes: layers x slots x context x kvDim x 2 (keys and values) x element size. */
    public static long bytesNeeded(LlamaConfig c, int slots, int context, Type type) {
        return (long) c.layers() * slots * context * c.kvDim() * 2L * type.bytes;
    }

    /**
     * Allocates a cache. The caller checks {@link #bytesNeeded} against its budget first; this
     * only guards the per-array limit of Java.
     */
    public static KvCache allocate(LlamaConfig c, int slots, int context, Type type) {
        if (slots <= 0 || context <= 0) {
            throw new IllegalArgumentException("KV cache needs at least one slot and one position, got "
                    + slots + " slots of " + context);
        }
        if ((long) context * c.kvDim() > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("context " + context + " x kv_dim " + c.kvDim() + " exceeds a Java array");
        }
        return type == Type.F32 ? new F32KvCache(c, slots, context) : new F16KvCache(c, slots, context);
    }

    public int slots() {
        return slots;
    }

    public int context() {
        return context;
    }

    public abstract Type type();

    /** Stores the key and value of the token at {@code pos} of {@code slot} in {@code layer}. */
    abstract void store(int layer, int slot, int pos, float[] k, int ko, float[] v, int vo);

    /** The key array (values: {@code keys == false}) of a (layer, slot), {@code context x kvDim} elements. */
    protected abstract Object array(int layer, int slot, boolean keys);

    /** Copies positions {@code [0, length)} of every layer from one slot to another. */
    public final void copyPrefix(int fromSlot, int toSlot, int length) {
        for (int l = 0; l < layers; l++) {
            Object from = array(l, fromSlot, true), to = array(l, toSlot, true);
            for (int d = 0; d < kvDim; d++) {
                System.arraycopy(from, d * context, to, d * context, length);
            }
            System.arraycopy(array(l, fromSlot, false), 0, array(l, toSlot, false), 0, length * kvDim);
        }
    }

    /**
     * Scores of the {@code kvGroup} query heads of key/value head {@code kvHead} (their vectors
     * {@code headSize} apart from {@code q[qo]}) against positions {@code [0, n)}:
     * {@code scores[g*n + t]}, each an fma chain over the head's dimensions in order.
     */
    abstract void scoreKeys(int layer, int slot, int kvHead, float[] q, int qo, float[] scores, int n);

    /** Weighted sums of values for the {@code kvGroup} heads of {@code kvHead}, in position order, into {@code out[oo + g*headSize ..]}. */
    abstract void sumValues(int layer, int slot, int kvHead, float[] scores, int n, float[] out, int oo);

    /**
     * Causal attention of the query heads sharing key/value head {@code kvHead}, for the token at
     * {@code pos} of {@code slot}: scaled dot products over positions {@code 0..pos}, softmax,
     * weighted sum of values. Each key and value is read once for the whole group.
     * {@code scores} holds at least {@code kvGroup * (pos + 1)} floats.
     */
    final void attend(int layer, int slot, int pos, int kvHead, float[] q, int qo, float[] out, int oo, float[] scores) {
        int n = pos + 1;
        scoreKeys(layer, slot, kvHead, q, qo, scores, n);
        for (int i = 0; i < kvGroup * n; i++) {
            scores[i] /= scoreScale;
        }
        for (int g = 0; g < kvGroup; g++) {
            Ops.softmax(scores, g * n, n);
        }
        sumValues(layer, slot, kvHead, scores, n, out, oo);
    }

    /** Query heads per key/value head. */
    final int kvGroup() {
        return kvGroup;
    }

    protected final int index(int layer, int slot) {
        return layer * slots + slot;
    }
}
