package io.sparkllama.sql;

import io.sparkllama.engine.SamplingParams;
import io.sparkllama.engine.Seeds;
import io.sparkllama.spark.ChatSettings;
import io.sparkllama.spark.EngineSpec;
import io.sparkllama.spark.LlamaGenerator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of one llama_* call, resolved on the driver when the query is planned: the call's
 * options map, then the session's {@code spark.llama.<key>} settings, then the defaults of the
 * batch jobs (which are the transformers' defaults). Small and serializable: it travels with the
 * plan to the executors.
 *
 * @param function    which function
 * @param engine      the engine the call runs on (equal specs share one engine per executor)
 * @param temperature sampling settings of llama_generate (unused by the others)
 * @param jobSeed     the job seed; a row's seed is {@code Seeds.forRow(jobSeed, id or prompt)}
 * @param truncate    cut over-long prompts from the left instead of an error
 * @param chat        whether (and how) prompts are sent as the user turn of a chat template
 *                    (llama_generate and llama_choose)
 */
record CallSpec(LlamaFunction function, EngineSpec engine, float temperature, int topK, float topP, int maxTokens,
                List<String> stop, long jobSeed, boolean truncate, ChatSettings chat) implements Serializable {

    /** Prefix of the session settings read as defaults. */
    static final String CONF_PREFIX = "spark.llama.";

    /** Keys every function takes: the engine's (the batch jobs' llama.* keys, without "llama."). */
    private static final List<String> ENGINE_KEYS = List.of("model", "tokenizer", "max.sequences", "kv.type", "context",
            "prefill.chunk", "threads", "prefix.cache", "kv.memory", "kv.block");
    /** Keys llama_generate takes besides. */
    private static final List<String> SAMPLING_KEYS = List.of("max.tokens", "temperature", "top.p", "top.k", "seed", "stop",
            "truncate");
    /** Keys of the chat template, for the functions that send a prompt (llama_generate, llama_choose). */
    private static final List<String> CHAT_KEYS = List.of("chat", "chat.format", "system.prompt", "chat.date");

    /** The keys {@code function} accepts, in documentation order. */
    static List<String> keys(LlamaFunction function) {
        List<String> keys = new ArrayList<>(ENGINE_KEYS);
        if (function == LlamaFunction.GENERATE) {
            keys.addAll(SAMPLING_KEYS);
        }
        if (function != LlamaFunction.SCORE) {
            keys.addAll(CHAT_KEYS);
        }
        return keys;
    }

    /**
     * Resolves a call's settings.
     *
     * @param options the call's options (keys with or without the "llama." prefix)
     * @param conf    the session's settings: every {@code spark.llama.<key>} of a known key is a default
     * @throws IllegalArgumentException for an unknown option key, a bad value, or no model
     */
    static CallSpec resolve(LlamaFunction function, Map<String, String> options, Map<String, String> conf) {
        List<String> known = keys(function);
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : known) {
            String v = conf.get(CONF_PREFIX + key);
            if (v != null) {
                values.put(key, v);
            }
        }
        for (Map.Entry<String, String> e : options.entrySet()) {
            String key = e.getKey().startsWith("llama.") ? e.getKey().substring("llama.".length()) : e.getKey();
            if (!known.contains(key)) {
                throw new IllegalArgumentException(function.sqlName() + ": unknown option '" + e.getKey() + "'; the options are "
                        + String.join(", ", known));
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException(function.sqlName() + ": option '" + e.getKey() + "' is null");
            }
            values.put(key, e.getValue());
        }
        if (values.getOrDefault("model", "").isBlank()) {
            throw new IllegalArgumentException(function.sqlName() + ": no model: give the option 'model' or set "
                    + CONF_PREFIX + "model");
        }
        LlamaGenerator g = new LlamaGenerator();
        values.forEach((key, v) -> g.setFromText("llama." + key, v, function.sqlName() + " option '" + key + "'"));
        EngineSpec engine = g.engineSpec();
        CallSpec spec = new CallSpec(function, engine, (float) (double) g.getOrDefault(g.temperature()),
                (Integer) g.getOrDefault(g.topK()), (float) (double) g.getOrDefault(g.topP()),
                (Integer) g.getOrDefault(g.maxTokens()), List.of(g.getOrDefault(g.stop())), (Long) g.getOrDefault(g.seed()),
                (Boolean) g.getOrDefault(g.truncate()), g.chatSettings());
        spec.sampling(null); // bad sampling values fail here, on the driver
        return spec;
    }

    /** The sampling settings of a row: its seed from the job seed and the row's id (or, without one, its prompt). */
    SamplingParams sampling(Object id) {
        return new SamplingParams(temperature, topK, topP, Seeds.forRow(jobSeed, id), maxTokens, stop);
    }

    /** How many requests a task keeps at the engine: enough to fill it alone (as the transformers do). */
    int inFlight() {
        return 2 * engine.maxSequences();
    }
}
