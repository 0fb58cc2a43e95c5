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
 * loaded, and the KV cache again before it is allocated.
 */
public final class MemoryBudget {
    /** Heap kept free for everything the engine allocates besides weights, KV cache and step buffers. */
    static final long HEADROOM_BYTES = 64L << 20;

    private MemoryBudget() {
    }

    /**
     * What an engine over one model file needs, read from the file's header only.
     *
     * @param weightBytes  the weights as held in the heap
     * @param kvBytes      the KV cache
     * @param workingBytes step buffers (activations and logits of the largest step) plus fixed headroom
     */
    public record Need(long weightBytes, long kvBytes, long workingBytes, String kvShape) {
        public long total() {
            return weightBytes + kvBytes + workingBytes;
        }

        /** The parts and their sum, in MB, for messages. */
        public String describe() {
            return String.format(Locale.ROOT, "weights %,d MB + KV cache %,d MB (%s) + working memory %,d MB = %,d MB",
                    mb(weightBytes), mb(kvBytes), kvShape, mb(workingBytes), mb(total()));
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
        String shape = String.format(Locale.ROOT, "%d slots x %d positions, %s", o.kvSlots(), o.contextFor(c),
                o.kvType().name().toLowerCase(Locale.ROOT));
        return new Need(LlamaWeights.estimateBytes(f), o.kvCacheBytes(c), tokens * perToken + HEADROOM_BYTES, shape);
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
        long free = freeHeap();
        if (need.total() > free) {
            System.gc(); // "in use" may be mostly garbage; measure again before failing
            free = freeHeap();
        }
        if (need.total() > free) {
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

    private static long mb(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
