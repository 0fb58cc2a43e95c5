package io.sparkllama.spark;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.MemoryBudget;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One engine per {@link EngineSpec} per JVM, loaded lazily and exactly once even when several
 * tasks of an executor start together; every task of the executor then feeds the same engine,
 * whose scheduler batches their rows. Engines live as long as the executor.
 */
public final class EngineRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(EngineRegistry.class);
    private static final Map<EngineSpec, Holder> ENGINES = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private EngineRegistry() {
    }

    private static final class Holder {
        private Engine engine;

        synchronized boolean loaded() {
            return engine != null;
        }

        synchronized Engine get(EngineSpec spec) throws IOException {
            if (engine == null) {
                engine = load(spec);
            }
            return engine;
        }
    }

    /** The engine for {@code spec} in this JVM, loading it on first use. A failed load is retried by the next caller. */
    public static Engine get(EngineSpec spec) throws IOException {
        return ENGINES.computeIfAbsent(spec, s -> new Holder()).get(spec);
    }

    /** Whether this JVM holds a loaded engine for {@code spec}. */
    public static boolean isLoaded(EngineSpec spec) {
        Holder h = ENGINES.get(spec);
        return h != null && h.loaded();
    }

    /** How many engines this JVM has loaded (for tests and metrics). */
    public static int loads() {
        return LOADS.get();
    }

    private static Engine load(EngineSpec spec) throws IOException {
        SparkConf conf = SparkEnv.get() != null ? SparkEnv.get().conf() : new SparkConf(false);
        Configuration hadoop = hadoopConfiguration(conf);
        Path cache = Path.of(conf.get("spark.local.dir", System.getProperty("java.io.tmpdir")).split(",")[0])
                .resolve("spark-llama-models");
        Path model = ModelFetcher.localPath(spec.model(), hadoop, cache);
        Path tokenizer = spec.tokenizer() == null ? null : ModelFetcher.localPath(spec.tokenizer(), hadoop, cache);
        EngineOptions options = spec.toOptions(executorCores(conf));
        MemoryBudget.Need need = MemoryBudget.checkBeforeLoading(model, options);
        LoadedModel m = ModelLoader.load(model, tokenizer);
        Engine engine = new Engine(m, options);
        LOADS.incrementAndGet();
        LOG.info("spark-llama: loaded {} in {} ms; engine with {} sequences, {} threads; memory plan: {} of {} MB heap",
                m.describe(), m.loadMillis(), spec.maxSequences(), engine.options().effectiveThreads(), need.describe(),
                Runtime.getRuntime().maxMemory() >> 20);
        return engine;
    }

    /** Hadoop configuration with the job's {@code spark.hadoop.*} settings, as Spark builds it. */
    static Configuration hadoopConfiguration(SparkConf conf) {
        Configuration hadoop = new Configuration();
        for (scala.Tuple2<String, String> kv : conf.getAll()) {
            if (kv._1().startsWith("spark.hadoop.")) {
                hadoop.set(kv._1().substring("spark.hadoop.".length()), kv._2());
            }
        }
        return hadoop;
    }

    /** Cores this executor runs tasks on: spark.executor.cores, local[N], or the machine's. */
    static int executorCores(SparkConf conf) {
        String cores = conf.get("spark.executor.cores", null);
        if (cores != null) {
            return Integer.parseInt(cores.trim());
        }
        String master = conf.get("spark.master", "");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+)(,\\d+)?]").matcher(master);
        if (m.matches()) {
            return Integer.parseInt(m.group(1));
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
