package io.sparkllama.cli;

import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.MemoryBudget;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFormatException;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What an engine over a model file needs in the Java heap for given settings, from the file's
 * header: weights, KV cache (and per sequence), working memory, and the heap to ask for.
 */
final class MemoryPlan {
    private MemoryPlan() {
    }

    /** The plan as a JSON-ready map; {@code error} says why there is none (a file the engine cannot run). */
    static Map<String, Object> of(ModelFile f, EngineOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        LlamaConfig c;
        try {
            c = LlamaConfig.read(f);
        } catch (ModelFormatException e) {
            m.put("error", e.getMessage());
            m.put("summary", "none: " + e.getMessage());
            return m;
        }
        MemoryBudget.Need need = MemoryBudget.need(f, c, o);
        int context = o.contextFor(c);
        long perSequence = o.kvMinimumBytes(c);
        long perToken = KvCache.bytesPerToken(c, o.kvType());
        // the heap to give: the engine's need plus about 1 GB for the JVM, Spark and the rows in flight
        long heapMb = Math.round(mb(need.total())) + 1024;
        m.put("sequences", o.maxSequences());
        m.put("context", context);
        m.put("kv_type", o.kvType().name().toLowerCase(Locale.ROOT));
        m.put("weights_mb", mb(need.weightBytes()));
        m.put("kv_cache_mb", mb(need.kvBytes()));
        m.put("kv_per_sequence_mb", mb(perSequence));
        m.put("kv_bytes_per_token", perToken);
        m.put("kv_block_size", o.kvBlockSize());
        m.put("working_mb", mb(need.workingBytes()));
        m.put("total_mb", mb(need.total()));
        m.put("suggested_heap_mb", heapMb);
        m.put("summary", String.format(Locale.ROOT, "%s; KV %,d bytes per token, %.1f MB per sequence of %,d positions (the "
                        + "paged cache holds only the tokens in use); give the JVM about %,d MB for every sequence at the full "
                        + "context (executors: spark.executor.memory; local mode and the CLI: -Xmx via JAVA_OPTS)",
                need.describe(), perToken, mb(perSequence), context, heapMb));
        return m;
    }

    /** Bytes in MB (2^20), one decimal. */
    private static double mb(long bytes) {
        return Math.round(bytes * 10.0 / (1 << 20)) / 10.0;
    }
}
