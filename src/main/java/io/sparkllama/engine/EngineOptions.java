package io.sparkllama.engine;

import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;

/**
 * How an {@link Engine} is sized. Plain data.
 *
 * @param maxSequences   sequences decoded together, and KV cache slots (default 16)
 * @param contextLength  positions per slot; 0 = the model's context length
 * @param kvType         KV cache element type
 * @param prefillChunk   prompt tokens fed per step, across all prefilling sequences (default 64)
 * @param threads        compute threads (0 = all available processors)
 * @param kvBudgetBytes  most bytes the KV cache may take (0 = only the heap limits it)
 * @param prefixCacheSlots KV slots that keep recent prompts for prefix reuse (0 = no prefix cache)
 */
public record EngineOptions(int maxSequences, int contextLength, KvCache.Type kvType, int prefillChunk, int threads,
                            long kvBudgetBytes, int prefixCacheSlots) {

    public static final EngineOptions DEFAULTS = new EngineOptions(16, 0, KvCache.Type.F32, 64, 0, 0, 0);

    public EngineOptions {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("max sequences must be at least 1, is " + maxSequences);
        }
        if (contextLength < 0 || prefillChunk < 1 || threads < 0 || kvBudgetBytes < 0 || prefixCacheSlots < 0) {
            throw new IllegalArgumentException("invalid engine options: context " + contextLength + ", prefill chunk "
                    + prefillChunk + ", threads " + threads + ", KV budget " + kvBudgetBytes);
        }
        if (kvType == null) {
            kvType = KvCache.Type.F32;
        }
    }

    /** Positions per KV slot for model {@code c}: the configured length capped at the model's, or the model's. */
    public int contextFor(LlamaConfig c) {
        return contextLength == 0 ? c.contextLength() : Math.min(contextLength, c.contextLength());
    }

    /** KV cache slots: one per decoding sequence plus the prefix cache's. */
    public int kvSlots() {
        return maxSequences + prefixCacheSlots;
    }

    /** Bytes of the KV cache an engine with these options allocates for model {@code c}. */
    public long kvCacheBytes(LlamaConfig c) {
        return KvCache.bytesNeeded(c, kvSlots(), contextFor(c), kvType);
    }

    /** Most tokens one engine step carries: every decoding sequence plus a prefill chunk. */
    public int tokensPerStep() {
        return maxSequences + prefillChunk;
    }

    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(n, contextLength, kvType, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(maxSequences, n, kvType, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots);
    }

    public EngineOptions withKvType(KvCache.Type t) {
        return new EngineOptions(maxSequences, contextLength, t, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots);
    }

    public EngineOptions withPrefillChunk(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, n, threads, kvBudgetBytes, prefixCacheSlots);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, n, kvBudgetBytes, prefixCacheSlots);
    }

    public EngineOptions withKvBudgetBytes(long n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, threads, n, prefixCacheSlots);
    }

    public EngineOptions withPrefixCacheSlots(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, threads, kvBudgetBytes, n);
    }

    /** Compute threads to start. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
