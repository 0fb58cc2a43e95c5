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
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engines of this JVM (an executor, or the driver in local mode), one per {@link EngineSpec},
 * and the models under them, one per model location however many specs use it.
 *
 * <p>A task takes a {@link Lease} on its spec's engine ({@link #acquire}) and gives it back when
 * it completes; every task of the executor feeds the same engine, whose scheduler batches their
 * rows. The first lease loads the engine, exactly once even when several tasks start together
 * (the others wait); a failed load is tried again by the next caller. Specs that differ only in
 * engine options (sequences, KV type, context, prefix cache, ...) share one {@link LoadedModel}:
 * the weights are in memory once.
 *
 * <p>An engine is never closed while it is leased. Once it has no leases it is closed when an
 * engine for another spec is loaded (so the heap its KV cache holds is free for the new one), or
 * after {@value #IDLE_TIMEOUT_KEY} (default {@value #DEFAULT_IDLE_TIMEOUT}) without leases,
 * whichever comes first. When the last engine over a model closes, the model is dropped and its
 * weights can be collected.
 */
public final class EngineRegistry {
    /** Spark setting: how long an engine without leases is kept for the next task (a Spark time string). */
    public static final String IDLE_TIMEOUT_KEY = "spark.llama.engine.idleTimeout";
    /** Long enough to keep the engine between the commit chunks and the jobs of a session. */
    public static final String DEFAULT_IDLE_TIMEOUT = "5min";

    private static final Logger LOG = LoggerFactory.getLogger(EngineRegistry.class);
    private static final AtomicInteger ENGINE_LOADS = new AtomicInteger();
    private static final AtomicInteger MODEL_LOADS = new AtomicInteger();
    private static volatile Duration idleTimeoutOverride;

    /** Where a model comes from: specs with equal keys share its weights. */
    private record ModelKey(String model, String tokenizer) {
    }

    /** An engine and the reference it holds on its model. */
    private record Loaded(Engine engine, SharedPool.Ref<LoadedModel> model) {
    }

    private static final SharedPool<ModelKey, LoadedModel> MODELS = new SharedPool<>(
            m -> LOG.info("spark-llama: dropped the weights of {} (no engine uses them)", m.path().getFileName()), () -> 0);
    private static final SharedPool<EngineSpec, Loaded> ENGINES = new SharedPool<>(EngineRegistry::closeEngine,
            EngineRegistry::idleTimeoutMillis);

    private EngineRegistry() {
    }

    /** A hold on an engine: the engine stays open until every lease on it is closed. */
    public static final class Lease implements AutoCloseable {
        private final Engine engine;
        private final SharedPool.Ref<Loaded> ref;

        private Lease(Engine engine, SharedPool.Ref<Loaded> ref) {
            this.engine = engine;
            this.ref = ref;
        }

        public Engine engine() {
            return engine;
        }

        /** Gives the lease back; later calls do nothing. */
        @Override
        public void close() {
            ref.release();
        }
    }

    /**
     * A lease on the engine for {@code spec}, loading the engine (and its model, unless another
     * engine already holds it) on first use. Close the lease when done with the engine.
     */
    public static Lease acquire(EngineSpec spec) throws IOException {
        SharedPool.Ref<Loaded> ref = ENGINES.retain(spec);
        try {
            return new Lease(ref.get(() -> load(spec)).engine(), ref);
        } catch (IOException | RuntimeException | Error e) {
            ref.release();
            throw e;
        }
    }

    /** Whether this JVM holds an open engine for {@code spec}. */
    public static boolean isLoaded(EngineSpec spec) {
        return ENGINES.holds(spec);
    }

    /** How many engines this JVM has loaded (for tests and metrics). */
    public static int loads() {
        return ENGINE_LOADS.get();
    }

    /** How many models (weights) this JVM has loaded (for tests and metrics). */
    public static int modelLoads() {
        return MODEL_LOADS.get();
    }

    /** Closes every engine that has no lease now; returns how many. */
    public static int closeIdle() {
        return ENGINES.closeIdle(s -> true, 0);
    }

    /** The open engine for {@code spec}, or null; takes no lease (for tests). */
    static Engine loadedEngine(EngineSpec spec) {
        Loaded l = ENGINES.peek(spec);
        return l == null ? null : l.engine();
    }

    /** Open leases on {@code spec}'s engine (for tests). */
    static int leases(EngineSpec spec) {
        return ENGINES.refs(spec);
    }

    /** Whether this JVM holds the weights of {@code spec}'s model. */
    static boolean holdsModel(EngineSpec spec) {
        return MODELS.holds(new ModelKey(spec.model(), spec.tokenizer()));
    }

    /** Replaces {@link #IDLE_TIMEOUT_KEY} (null: back to the setting), for tests. */
    static void idleTimeout(Duration timeout) {
        idleTimeoutOverride = timeout;
    }

    private static long idleTimeoutMillis() {
        Duration d = idleTimeoutOverride;
        if (d != null) {
            return d.toMillis();
        }
        return sparkConf().getTimeAsMs(IDLE_TIMEOUT_KEY, DEFAULT_IDLE_TIMEOUT);
    }

    private static Loaded load(EngineSpec spec) throws IOException {
        SparkConf conf = sparkConf();
        EngineOptions options = spec.toOptions(executorCores(conf));
        // reference the model before closing idle engines, so weights this spec shares with them stay
        SharedPool.Ref<LoadedModel> model = MODELS.retain(new ModelKey(spec.model(), spec.tokenizer()));
        try {
            int closed = ENGINES.closeIdle(other -> !other.equals(spec), 0); // their KV caches' heap is for this one
            LoadedModel m = model.get(() -> loadModel(spec, options, conf));
            Engine engine = new Engine(m, options);
            ENGINE_LOADS.incrementAndGet();
            LOG.info("spark-llama: engine over {} with {} sequences, {} threads ({} idle engines closed first)",
                    m.path().getFileName(), spec.maxSequences(), engine.options().effectiveThreads(), closed);
            return new Loaded(engine, model);
        } catch (IOException | RuntimeException | Error e) {
            model.release();
            throw e;
        }
    }

    private static LoadedModel loadModel(EngineSpec spec, EngineOptions options, SparkConf conf) throws IOException {
        Configuration hadoop = hadoopConfiguration(conf);
        Path cache = modelCacheDir(conf);
        Path model = ModelFetcher.localPath(spec.model(), hadoop, cache);
        Path tokenizer = spec.tokenizer() == null ? null : ModelFetcher.localPath(spec.tokenizer(), hadoop, cache);
        MemoryBudget.Need need = MemoryBudget.checkBeforeLoading(model, options);
        LoadedModel m = ModelLoader.load(model, tokenizer);
        MODEL_LOADS.incrementAndGet();
        LOG.info("spark-llama: loaded {} in {} ms; memory plan: {} of {} MB heap", m.describe(), m.loadMillis(),
                need.describe(), Runtime.getRuntime().maxMemory() >> 20);
        return m;
    }

    /**
     * Where remote models are copied: under the first of the executor's local directories as Spark
     * chooses them (YARN's container dirs, a standalone worker's, {@code SPARK_LOCAL_DIRS},
     * {@code spark.local.dir}, else the JVM's temp dir), shared by the executors of a node.
     */
    static Path modelCacheDir(SparkConf conf) {
        String[] dirs = org.apache.spark.util.Utils.getConfiguredLocalDirs(conf);
        String root = dirs.length > 0 ? dirs[0] : System.getProperty("java.io.tmpdir");
        return Path.of(root).resolve("spark-llama-models");
    }

    private static void closeEngine(Loaded l) {
        l.engine().close();
        LOG.info("spark-llama: closed an idle engine over {}", l.engine().model().path().getFileName());
        l.model().release();
    }

    private static SparkConf sparkConf() {
        return SparkEnv.get() != null ? SparkEnv.get().conf() : new SparkConf(false);
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

    /** The cores this JVM's tasks run on, for the engine's default thread count: see {@link #executorCores(SparkConf, String, int)}. */
    static int executorCores(SparkConf conf) {
        return executorCores(conf, System.getProperty("sun.java.command", ""), Runtime.getRuntime().availableProcessors());
    }

    /**
     * The cores an executor runs tasks on: {@code spark.executor.cores} when set; in local mode the
     * N of {@code local[N]} ({@code local[*]}: {@code processors}; {@code local}: 1) or the cores per
     * worker of {@code local-cluster[W,C,M]}; otherwise the {@code --cores} its cluster manager
     * launched it with ({@code launchCommand}, the executor JVM's command line: its task slots
     * times {@code spark.task.cpus}), failing that {@code spark.task.cpus} (one task slot). Never
     * the whole node in cluster mode, where other executors share it.
     */
    static int executorCores(SparkConf conf, String launchCommand, int processors) {
        String cores = conf.get("spark.executor.cores", null);
        if (cores != null) {
            return Integer.parseInt(cores.trim());
        }
        String master = conf.get("spark.master", "");
        java.util.regex.Matcher local = java.util.regex.Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?])?").matcher(master);
        if (local.matches()) {
            return local.group(1) == null ? 1 : local.group(1).equals("*") ? processors : Integer.parseInt(local.group(1));
        }
        java.util.regex.Matcher arg = java.util.regex.Pattern.compile("(?:^|\\s)--cores\\s+(\\d+)(?:\\s|$)").matcher(launchCommand);
        if (arg.find()) {
            return Integer.parseInt(arg.group(1));
        }
        java.util.regex.Matcher cluster = java.util.regex.Pattern.compile("local-cluster\\[\\d+,(\\d+),\\d+]").matcher(master);
        if (cluster.matches()) {
            return Integer.parseInt(cluster.group(1));
        }
        return Math.max(1, conf.getInt("spark.task.cpus", 1));
    }
}
