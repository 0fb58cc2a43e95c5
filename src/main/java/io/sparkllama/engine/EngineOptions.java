package io.sparkllama.engine;

import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;

/**
 * How an {@link Engine} is sized. Plain data.
 *
 * @param maxSequences     most sequences decoded together (default 16): a cap, not a memory decision
 * @param contextLength    most positions per sequence; 0 = the model's context length
 * @param kvType           KV cache element type
 * @param prefillChunk     prompt tokens fed per step, across all prefilling sequences (default 64)
 * @param threads          compute threads (0 = all available processors)
 * @param kvBudgetBytes    KV cache memory; 0 = enough for every sequence at the full context, but at most
 *                         {@link MemoryBudget#DEFAULT_KV_HEAP_SHARE} of the heap left after weights and step buffers
 * @param prefixCacheSlots 0 = no prefix cache; any positive value keeps the full KV blocks of recent prompts for
 *                         reuse (it counted reserved slots before the cache was paged)
 * @param kvBlockSize      positions per KV block (default {@link KvCache#DEFAULT_BLOCK_SIZE})
 */
public record EngineOptions(int maxSequences, int contextLength, KvCache.Type kvType, int prefillChunk, int threads,
                            long kvBudgetBytes, int prefixCacheSlots, int kvBlockSize) {

    public static final EngineOptions DEFAULTS = new EngineOptions(16, 0, KvCache.Type.F32, 64, 0, 0, 0,
            KvCache.DEFAULT_BLOCK_SIZE);

    public EngineOptions {
        if (maxSequences < 1) {
            throw new IllegalArgumentException("max sequences must be at least 1, is " + maxSequences);
        }
        if (contextLength < 0 || prefillChunk < 1 || threads < 0 || kvBudgetBytes < 0 || prefixCacheSlots < 0) {
            throw new IllegalArgumentException("invalid engine options: context " + contextLength + ", prefill chunk "
                    + prefillChunk + ", threads " + threads + ", KV budget " + kvBudgetBytes);
        }
        if (kvBlockSize < 1 || kvBlockSize > 4096) {
            throw new IllegalArgumentException("KV block size must be between 1 and 4096 positions, is " + kvBlockSize);
        }
        if (kvType == null) {
            kvType = KvCache.Type.F32;
        }
    }

    /** Options with the defaults but the given element type, KV memory and block size (0: default). */
    public EngineOptions(int maxSequences, int contextLength, KvCache.Type kvType, int prefillChunk, int threads,
                         long kvBudgetBytes, int prefixCacheSlots) {
        this(maxSequences, contextLength, kvType, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots,
                KvCache.DEFAULT_BLOCK_SIZE);
    }

    /** Positions per sequence for model {@code c}: the configured length capped at the model's, or the model's. */
    public int contextFor(LlamaConfig c) {
        return contextLength == 0 ? c.contextLength() : Math.min(contextLength, c.contextLength());
    }

    /** Bytes of KV blocks every sequence at the full context would take. */
    public long kvFullBytes(LlamaConfig c) {
        long blocksPerSequence = (contextFor(c) + kvBlockSize - 1) / kvBlockSize;
        return maxSequences * blocksPerSequence * KvCache.blockBytes(c, kvBlockSize, kvType);
    }

    /** Bytes of KV blocks one sequence at the full context takes: the least KV memory an engine accepts. */
    public long kvMinimumBytes(LlamaConfig c) {
        return withMaxSequences(1).kvFullBytes(c);
    }

    /** KV memory asked for: the configured budget, or what every sequence at the full context would take. */
    public long kvCacheBytes(LlamaConfig c) {
        return kvBudgetBytes > 0 ? kvBudgetBytes : kvFullBytes(c);
    }

    /** Most tokens one engine step carries: every decoding sequence plus a prefill chunk. */
    public int tokensPerStep() {
        return maxSequences + prefillChunk;
    }

    public EngineOptions withMaxSequences(int n) {
        return new EngineOptions(n, contextLength, kvType, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }

    public EngineOptions withContextLength(int n) {
        return new EngineOptions(maxSequences, n, kvType, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }

    public EngineOptions withKvType(KvCache.Type t) {
        return new EngineOptions(maxSequences, contextLength, t, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }

    public EngineOptions withPrefillChunk(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, n, threads, kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }

    public EngineOptions withThreads(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, n, kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }

    public EngineOptions withKvBudgetBytes(long n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, threads, n, prefixCacheSlots, kvBlockSize);
    }

    public EngineOptions withPrefixCacheSlots(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, threads, kvBudgetBytes, n, kvBlockSize);
    }

    public EngineOptions withKvBlockSize(int n) {
        return new EngineOptions(maxSequences, contextLength, kvType, prefillChunk, threads, kvBudgetBytes, prefixCacheSlots, n);
    }

    /** Compute threads to start. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
