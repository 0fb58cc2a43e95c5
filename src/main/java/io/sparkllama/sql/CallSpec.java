package io.sparkllama.sql;

import io.sparkllama.json.Json;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.engine.Seeds;
import io.sparkllama.spark.EngineSpec;
import io.sparkllama.spark.LlamaGenerator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

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
 */
record CallSpec(LlamaFunction function, EngineSpec engine, float temperature, int topK, float topP, int maxTokens,
                List<String> stop, long jobSeed, boolean truncate) implements Serializable {

    /** Prefix of the session settings read as defaults. */
    static final String CONF_PREFIX = "spark.llama.";

    /** Keys every function takes: the engine's (the same as the batch jobs' llama.* keys, without "llama."). */
    private static final Map<String, BiConsumer<LlamaGenerator, String>> ENGINE_KEYS = new LinkedHashMap<>();
    /** Keys llama_generate takes besides. */
    private static final Map<String, BiConsumer<LlamaGenerator, String>> SAMPLING_KEYS = new LinkedHashMap<>();

    static {
        ENGINE_KEYS.put("model", LlamaGenerator::setModel);
        ENGINE_KEYS.put("tokenizer", LlamaGenerator::setTokenizer);
        ENGINE_KEYS.put("max.sequences", (g, v) -> g.setMaxSequences(integer("max.sequences", v)));
        ENGINE_KEYS.put("kv.type", LlamaGenerator::setKvType);
        ENGINE_KEYS.put("context", (g, v) -> g.setContextLength(integer("context", v)));
        ENGINE_KEYS.put("prefill.chunk", (g, v) -> g.setPrefillChunk(integer("prefill.chunk", v)));
        ENGINE_KEYS.put("threads", (g, v) -> g.setThreads(integer("threads", v)));
        ENGINE_KEYS.put("prefix.cache", (g, v) -> g.setPrefixCache(integer("prefix.cache", v)));
        ENGINE_KEYS.put("kv.memory", LlamaGenerator::setKvMemory);
        ENGINE_KEYS.put("kv.block", (g, v) -> g.setKvBlockSize(integer("kv.block", v)));
        SAMPLING_KEYS.put("max.tokens", (g, v) -> g.setMaxTokens(integer("max.tokens", v)));
        SAMPLING_KEYS.put("temperature", (g, v) -> g.setTemperature(number("temperature", v)));
        SAMPLING_KEYS.put("top.p", (g, v) -> g.setTopP(number("top.p", v)));
        SAMPLING_KEYS.put("top.k", (g, v) -> g.setTopK(integer("top.k", v)));
        SAMPLING_KEYS.put("seed", (g, v) -> g.setSeed(longValue("seed", v)));
        SAMPLING_KEYS.put("stop", (g, v) -> g.setStop(strings(v)));
        SAMPLING_KEYS.put("truncate", (g, v) -> g.setTruncate(bool("truncate", v)));
    }

    /** The keys {@code function} accepts, in documentation order. */
    static List<String> keys(LlamaFunction function) {
        List<String> keys = new ArrayList<>(ENGINE_KEYS.keySet());
        if (function == LlamaFunction.GENERATE) {
            keys.addAll(SAMPLING_KEYS.keySet());
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
        values.forEach((key, v) -> {
            BiConsumer<LlamaGenerator, String> set = ENGINE_KEYS.containsKey(key) ? ENGINE_KEYS.get(key) : SAMPLING_KEYS.get(key);
            set.accept(g, v);
        });
        EngineSpec engine = g.engineSpec();
        CallSpec spec = new CallSpec(function, engine, (float) (double) g.getOrDefault(g.temperature()),
                (Integer) g.getOrDefault(g.topK()), (float) (double) g.getOrDefault(g.topP()),
                (Integer) g.getOrDefault(g.maxTokens()), List.of(g.getOrDefault(g.stop())), (Long) g.getOrDefault(g.seed()),
                (Boolean) g.getOrDefault(g.truncate()));
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

    private static int integer(String key, String v) {
        return parse(key, v, Integer::parseInt, "an integer");
    }

    private static long longValue(String key, String v) {
        return parse(key, v, Long::parseLong, "an integer");
    }

    private static double number(String key, String v) {
        return parse(key, v, Double::parseDouble, "a number");
    }

    private static <T> T parse(String key, String v, java.util.function.Function<String, T> parser, String what) {
        try {
            return parser.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be " + what + ", is '" + v + "'");
        }
    }

    private static boolean bool(String key, String v) {
        if (v.trim().equalsIgnoreCase("true") || v.trim().equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v.trim());
        }
        throw new IllegalArgumentException(key + " must be true or false, is '" + v + "'");
    }

    /** One stop string, or a JSON array of them (as the jobs' llama.stop). */
    private static String[] strings(String v) {
        if (v.isEmpty()) {
            return new String[0];
        }
        if (v.trim().startsWith("[")) {
            List<?> l = (List<?>) Json.parse(v.trim());
            return l.stream().map(o -> {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException("stop must be a string or a JSON array of strings");
                }
                return s;
            }).toArray(String[]::new);
        }
        return new String[] {v};
    }
}
