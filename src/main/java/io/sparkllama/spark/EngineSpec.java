package io.sparkllama.spark;

import io.sparkllama.engine.EngineOptions;
import io.sparkllama.model.KvCache;

import java.io.Serializable;

/**
 * What an executor needs to build its engine: where the model (and tokenizer) are, and how to
 * size the engine. Small and serializable, so it is broadcast instead of the weights; equal specs
 * share one engine per executor JVM.
 *
 * @param model         model location: a local path, or a Hadoop URI (hdfs:, s3a:, file:, ...)
 * @param tokenizer     tokenizer location, or null when the model embeds one
 * @param maxSequences  sequences decoded together per executor
 * @param contextLength positions per sequence (0 = the model's)
 * @param kvType        "f32" or "f16"
 * @param prefillChunk  prompt tokens per engine step
 * @param threads       compute threads (0 = the executor's cores)
 * @param kvBudgetBytes most bytes the KV cache may take (0 = the heap decides)
 * @param prefixCacheSlots 0 = no prefix cache; any positive value keeps recent prompts' full KV blocks for reuse
 * @param kvBlockSize   positions per KV cache block
 */
public record EngineSpec(String model, String tokenizer, int maxSequences, int contextLength, String kvType,
                         int prefillChunk, int threads, long kvBudgetBytes, int prefixCacheSlots, int kvBlockSize)
        implements Serializable {

    public EngineSpec {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("a model location is required");
        }
        // validates the sizes (fields are not assigned yet in a compact constructor, so use the parameters)
        new EngineOptions(maxSequences, contextLength, KvCache.Type.parse(kvType), prefillChunk, Math.max(1, threads),
                kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }

    /** Engine options for an executor with {@code cores} cores. */
    public EngineOptions toOptions(int cores) {
        return new EngineOptions(maxSequences, contextLength, KvCache.Type.parse(kvType), prefillChunk,
                threads > 0 ? threads : Math.max(1, cores), kvBudgetBytes, prefixCacheSlots, kvBlockSize);
    }
}
