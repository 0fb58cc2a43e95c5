package io.sparkllama.engine;

import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;

import java.util.Locale;

/** Checks memory needs up front, so that a too-large configuration fails with its numbers instead of an OutOfMemoryError. */
public final class MemoryBudget {
    /** Heap kept free for activations, logits and everything else the engine allocates. */
    static final long HEADROOM_BYTES = 64L << 20;

    private MemoryBudget() {
    }

    /**
     * Fails when a KV cache of this shape exceeds {@code budgetBytes} (if positive) or the heap
     * that is free. Nothing is allocated.
     */
    public static void checkKvCache(LlamaConfig c, int slots, int context, KvCache.Type type, long budgetBytes) {
        long need = KvCache.bytesNeeded(c, slots, context, type);
        String shape = String.format(Locale.ROOT, "KV cache of %d layers x %d slots x %d positions x %d kv_dim x 2 x %d bytes "
                + "= %,d bytes", c.layers(), slots, context, c.kvDim(), type.bytes, need);
        if (budgetBytes > 0 && need > budgetBytes) {
            throw new IllegalArgumentException(shape + " exceeds the configured budget of "
                    + String.format(Locale.ROOT, "%,d", budgetBytes) + " bytes; lower the sequences or the context, or use an F16 cache");
        }
        long free = freeHeap();
        if (need + HEADROOM_BYTES > free) {
            System.gc(); // "used" may be mostly garbage from loading; measure again before failing
            free = freeHeap();
        }
        if (need + HEADROOM_BYTES > free) {
            Runtime rt = Runtime.getRuntime();
            throw new IllegalArgumentException(shape + String.format(Locale.ROOT, " (plus %,d bytes of headroom) does not fit in the "
                            + "%,d bytes of heap available (max heap %,d, in use %,d); lower the sequences or the context, use an F16 "
                            + "cache, or raise -Xmx", HEADROOM_BYTES, free, rt.maxMemory(), rt.totalMemory() - rt.freeMemory()));
        }
    }

    /** Heap that can still be allocated: the maximum minus what is in use. */
    static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }
}
