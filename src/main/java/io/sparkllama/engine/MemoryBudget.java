package io.sparkllama.engine;

import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;
import io.sparkllama.model.LlamaWeights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks memory needs up front, so that a too-large configuration fails with its numbers instead
 * of an OutOfMemoryError: the whole engine (weights, KV cache, working memory) before a model is
 * loaded, and the KV cache's size when the engine starts. The KV cache is paged and its blocks
 * are created as they are first used, so its size is a ceiling: the configured KV memory, or by
 * default what every sequence at the full context would take, but no more than
 * {@link #DEFAULT_KV_HEAP_SHARE} of the heap that is left.
 */
public final class MemoryBudget {
    /** Heap kept free for everything the engine allocates besides weights, KV cache and step buffers. */
    static final long HEADROOM_BYTES = 64L << 20;
    /** Share of the heap left after weights and step buffers that the KV cache may grow into by default. */
    public static final double DEFAULT_KV_HEAP_SHARE = 0.6;

    private MemoryBudget() {
    }

    /**
     * What an engine over one model file needs, read from the file's header only.
     *
     * @param weightBytes  the weights as held in the heap
     * @param kvBytes      the KV cache at most (the configured KV memory, or every sequence at the full context)
     * @param kvMinBytes   the least KV cache the engine starts with: one sequence at the full context
     * @param workingBytes step buffers (activations and logits of the largest step) plus fixed headroom
     * @param kvConfigured whether the KV memory was configured (it must then fit whole)
     */
    public record Need(long weightBytes, long kvBytes, long kvMinBytes, long workingBytes, String kvShape,
                       boolean kvConfigured) {
        /** Weights, the KV cache at most, and working memory. */
        public long total() {
            return weightBytes + kvBytes + workingBytes;
        }

        /** What must fit for the engine to start at all: weights, working memory and the smallest KV cache. */
        public long minimum() {
            return weightBytes + kvMinBytes + workingBytes;
        }

        /** What the heap must hold: everything when the KV memory is configured; else the cache shrinks to fit, down to the minimum. */
        public long mustFit() {
            return kvConfigured ? total() : minimum();
        }

        /** The parts and their sum, in MB, for messages. */
        public String describe() {
            return String.format(Locale.ROOT, "weights %,d MB + KV cache up to %,d MB (%s; at least %,d MB) + working memory "
                    + "%,d MB = %,d MB", mb(weightBytes), mb(kvBytes), kvShape, mb(kvMinBytes), mb(workingBytes), mb(total()));
        }
    }

    /** The memory an engine with {@code options} needs for {@code model}, from its header. */
    public static Need need(Path model, EngineOptions options) throws IOException {
        try (ModelFile f = ModelFiles.open(model)) {
            return need(f, LlamaConfig.read(f), options);
        }
    }

    /** The memory an engine with {@code options} needs for an open model file with configuration {@code c}. */
    public static Need need(ModelFile f, LlamaConfig c, EngineOptions o) {
        long tokens = o.tokensPerStep();
        long perToken = 4L * (c.vocabSize() + 3L * c.hiddenDim() + 6L * c.dim() + 2L * c.kvDim() + (long) c.heads() * o.contextFor(c));
        String shape = String.format(Locale.ROOT, "%s%d sequences x %d positions, %s, blocks of %d",
                o.kvBudgetBytes() > 0 ? "configured; " : "", o.maxSequences(), o.contextFor(c),
                o.kvType().name().toLowerCase(Locale.ROOT), o.kvBlockSize());
        return new Need(LlamaWeights.estimateBytes(f), o.kvCacheBytes(c), o.kvMinimumBytes(c), tokens * perToken + HEADROOM_BYTES,
                shape, o.kvBudgetBytes() > 0);
    }

    /**
     * Fails, before anything is loaded, when an engine with {@code options} over {@code model}
     * needs more than the heap this JVM has available.
     *
     * @return what the engine needs, for logs
     * @throws IllegalArgumentException with every number in the message when it does not fit
     */
    public static Need checkBeforeLoading(Path model, EngineOptions options) throws IOException {
        Need need = need(model, options);
        long required = need.mustFit();
        long free = freeHeap();
        if (required > free) {
            System.gc(); // "in use" may be mostly garbage; measure again before failing
            free = freeHeap();
        }
        if (required > free) {
            Runtime rt = Runtime.getRuntime();
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s, but this JVM has %,d MB of heap available "
                            + "(max heap %,d MB, %,d MB in use); give it more heap (local-mode jobs: spark.driver.memory=...; "
                            + "executors on a cluster: spark.executor.memory; the command line: JAVA_OPTS=-Xmx...), or lower the "
                            + "sequences or the context, use an f16 KV cache, or a smaller or more quantized model",
                    model.getFileName(), need.describe(), mb(free), mb(rt.maxMemory()), mb(rt.totalMemory() - rt.freeMemory())));
        }
        return need;
    }

    /**
     * How many KV blocks an engine with options {@code o} over model {@code c} may hold, called
     * once the weights and step buffers are in the heap: the configured KV memory (which must fit
     * in the heap that is free), or else every sequence at the full context but at most
     * {@link #DEFAULT_KV_HEAP_SHARE} of the free heap. Nothing is allocated.
     *
     * @throws IllegalArgumentException when not even one sequence at the full context fits
     */
    public static int kvBlocks(LlamaConfig c, EngineOptions o) {
        long block = KvCache.blockBytes(c, o.kvBlockSize(), o.kvType());
        long free = freeHeap();
        if (o.kvCacheBytes(c) + HEADROOM_BYTES > free) {
            System.gc(); // "used" may be mostly garbage from loading; measure again
            free = freeHeap();
        }
        long bytes;
        if (o.kvBudgetBytes() > 0) {
            bytes = o.kvBudgetBytes();
            if (bytes + HEADROOM_BYTES > free) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "the configured KV memory of %,d MB (plus %,d MB "
                        + "of headroom) does not fit in the %,d MB of heap available; lower it or raise the heap", mb(bytes),
                        mb(HEADROOM_BYTES), mb(free)));
            }
        } else {
            bytes = Math.min(o.kvFullBytes(c), (long) (DEFAULT_KV_HEAP_SHARE * Math.max(0, free - HEADROOM_BYTES)));
        }
        long blocks = Math.min(Integer.MAX_VALUE - 64, bytes / block);
        long minimum = o.kvMinimumBytes(c) / block;
        if (blocks < minimum) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the KV cache gets %,d MB (%s), which holds %,d "
                            + "positions of %d layers x %d kv_dim x %s; one sequence of the context of %,d needs %,d MB; give it "
                            + "more memory (llama.kv.memory, or more heap: spark.driver.memory / spark.executor.memory / "
                            + "JAVA_OPTS=-Xmx), or lower the context, or use an f16 KV cache", mb(bytes),
                    o.kvBudgetBytes() > 0 ? "configured" : String.format(Locale.ROOT, "%.0f%% of the %,d MB heap left",
                            100 * DEFAULT_KV_HEAP_SHARE, mb(free)), blocks * o.kvBlockSize(), c.layers(), c.kvDim(),
                    o.kvType().name().toLowerCase(Locale.ROOT), o.contextFor(c), mb(o.kvMinimumBytes(c))));
        }
        return (int) blocks;
    }

    /** Heap that can still be allocated: the maximum minus what is in use. */
    static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    private static long mb(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
