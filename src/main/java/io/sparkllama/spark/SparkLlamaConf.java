package io.sparkllama.spark;

import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code spark.llama.*} keys of the Spark conf (spark-defaults.conf, {@code --conf},
 * {@code spark.conf().set}): every job key {@code llama.x} is also {@code spark.llama.x}, and
 * every transformer param has the key of the job setting it stands for ({@link #PARAM_KEYS}).
 *
 * <p>Precedence, highest first: what is given explicitly (a transformer param that is set; a
 * job's properties file or {@code key=value} argument), then {@code spark.llama.<key>} of the
 * session's conf, then the default. A {@code spark.llama.*} key that nothing reads is reported
 * once per JVM with the nearest known key; it never fails a job.
 */
public final class SparkLlamaConf {
    /** What every key of the Spark conf starts with. */
    public static final String PREFIX = "spark.llama.";

    /**
     * The one table from transformer param names to job keys ({@code llama.x}; the Spark conf key
     * is {@code spark.llama.x}). A transformer takes the rows whose param it has.
     */
    static final Map<String, String> PARAM_KEYS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", "llama.model");
        m.put("tokenizer", "llama.tokenizer");
        m.put("idCol", "llama.id.column");
        m.put("maxSequences", "llama.max.sequences");
        m.put("kvType", "llama.kv.type");
        m.put("contextLength", "llama.context");
        m.put("prefillChunk", "llama.prefill.chunk");
        m.put("threads", "llama.threads");
        m.put("prefixCache", "llama.prefix.cache");
        m.put("kvMemory", "llama.kv.memory");
        m.put("kvBlockSize", "llama.kv.block");
        m.put("chatTemplate", "llama.chat");
        m.put("chatFormat", "llama.chat.format");
        m.put("systemPrompt", "llama.system.prompt");
        m.put("chatDate", "llama.chat.date");
        m.put("inputCol", "llama.prompt.column");
        m.put("outputCol", "llama.output.column");
        m.put("maxTokens", "llama.max.tokens");
        m.put("temperature", "llama.temperature");
        m.put("topP", "llama.top.p");
        m.put("topK", "llama.top.k");
        m.put("seed", "llama.seed");
        m.put("stop", "llama.stop");
        m.put("promptTemplate", "llama.prompt.template");
        m.put("messagesCol", "llama.messages.column");
        m.put("truncate", "llama.truncate");
        m.put("options", "llama.options");
        m.put("optionsCol", "llama.options.column");
        m.put("contextCol", "llama.context.column");
        m.put("continuationCol", "llama.continuation.column");
        PARAM_KEYS = Collections.unmodifiableMap(m);
    }

    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private SparkLlamaConf() {
    }

    /** The Spark conf key of a job key: {@code llama.x} to {@code spark.llama.x}. */
    static String sparkKey(String jobKey) {
        return "spark." + jobKey;
    }

    /** Every spark.llama.* key something reads: the jobs' keys, the transformers' and the executors' own. */
    static Set<String> knownKeys() {
        Set<String> known = new TreeSet<>();
        for (Map<String, String> keys : java.util.List.of(GenerateJob.KEYS, LabelJob.KEYS, EvaluateJob.KEYS)) {
            keys.keySet().forEach(k -> known.add(sparkKey(k)));
        }
        PARAM_KEYS.values().forEach(k -> known.add(sparkKey(k)));
        known.add(EngineRegistry.IDLE_TIMEOUT_KEY);
        return known;
    }

    /** The spark.llama.* settings of a session's conf (its SparkConf and what was set at run time). */
    static Map<String, String> of(SparkSession spark) {
        Map<String, String> out = new TreeMap<>();
        scala.collection.Iterator<scala.Tuple2<String, String>> it = spark.conf().getAll().iterator();
        while (it.hasNext()) {
            scala.Tuple2<String, String> kv = it.next();
            if (kv._1().startsWith(PREFIX)) {
                out.put(kv._1(), kv._2());
            }
        }
        return out;
    }

    /** The settings of the active session (or the default one), or none without a session. */
    static Map<String, String> active() {
        scala.Option<SparkSession> s = SparkSession.getActiveSession();
        if (s.isEmpty()) {
            s = SparkSession.getDefaultSession();
        }
        return s.isEmpty() ? Map.of() : of(s.get());
    }

    /**
     * Reports on {@code out} each key of {@code settings} that nothing reads, with the nearest
     * known key, once per key and JVM. Returns the lines printed.
     */
    static java.util.List<String> warnUnknown(Map<String, String> settings, PrintStream out) {
        Set<String> known = knownKeys();
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (String key : settings.keySet()) {
            if (key.startsWith(PREFIX) && !known.contains(key) && WARNED.add(key)) {
                String line = "spark-llama: warning: unknown setting " + key + " is ignored; did you mean "
                        + nearest(key, known) + "?";
                lines.add(line);
                out.println(line);
            }
        }
        return lines;
    }

    /** The candidate closest to {@code key} by edit distance (the first of equals, in order). */
    static String nearest(String key, Iterable<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(key, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance: the fewest insertions, deletions and substitutions from a to b. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
