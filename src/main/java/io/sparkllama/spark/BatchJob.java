package io.sparkllama.spark;

import io.sparkllama.json.Json;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.MemoryBudget;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;
import io.sparkllama.model.LlamaConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * What every spark-llama job does around its transformer: read the input ({@link JobInput}), skip rows
 * already in the output when resuming, run the transformer with progress logging, write the
 * output, summarise. The job classes ({@link GenerateJob}, {@link LabelJob},
 * {@link EvaluateJob}) add their keys and build their transformer.
 */
final class BatchJob {
    /** Heap every executor keeps for Spark itself (its "reserved memory"). */
    private static final long SPARK_RESERVED_BYTES = 300L << 20;

    /** The keys every job has, with their defaults ("" for none). */
    static Map<String, String> commonKeys(String input, String output) {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("llama.input", input);
        k.put("llama.output", output);
        k.put("llama.id.column", "id");
        k.put("llama.model", "models/stories260K.gguf");
        k.put("llama.tokenizer", "");
        k.put("llama.max.sequences", "16");
        k.put("llama.kv.type", "f32");
        k.put("llama.context", "0");
        k.put("llama.prefill.chunk", "64");
        k.put("llama.threads", "0");
        k.put("llama.prefix.cache", "0");
        k.put("llama.kv.memory", "");
        k.put("llama.kv.block", "32");
        k.put("llama.partitions", "0");
        k.put("llama.commit.rows", "50000");
        k.put("llama.resume", "false");
        k.put("llama.overwrite", "false");
        k.put("llama.progress.seconds", "5");
        return k;
    }

    private BatchJob() {
    }

    /** The chat keys of the jobs that can send prompts as chat turns, with their defaults. */
    static void putChatKeys(Map<String, String> keys) {
        keys.put("llama.chat", "false");
        keys.put("llama.chat.format", "model");
        keys.put("llama.chat.date", "");
        keys.put("llama.system.prompt", "");
    }

    /** Sets a transformer's chat params from the chat keys. */
    static <T extends ChattingTransformer<T>> T chatSettings(T t, JobConfig c) {
        return t.setChatTemplate(c.getBoolean("llama.chat"))
                .setChatFormat(c.optional("llama.chat.format"))
                .setChatDate(c.optional("llama.chat.date"))
                .setSystemPrompt(c.optional("llama.system.prompt"));
    }

    /** Sets the model, id column and engine sizing keys on a transformer. */
    static <T extends LlamaTransformer<T>> T engineSettings(T t, JobConfig c) {
        return t.setModel(c.require("llama.model"))
                .setTokenizer(c.optional("llama.tokenizer"))
                .setIdCol(c.get("llama.id.column"))
                .setMaxSequences(c.getInt("llama.max.sequences", 1, 4096))
                .setKvType(c.get("llama.kv.type"))
                .setContextLength(c.getInt("llama.context", 0, Integer.MAX_VALUE))
                .setPrefillChunk(c.getInt("llama.prefill.chunk", 1, 4096))
                .setThreads(c.getInt("llama.threads", 0, 1024))
                .setPrefixCache(c.getInt("llama.prefix.cache", 0, 1024))
                .setKvMemory(c.get("llama.kv.memory"))
                .setKvBlockSize(c.getInt("llama.kv.block", 1, 4096));
    }

    /** What a run did. {@code outputName} says what the output tokens are ("generated" or "scored"). */
    public record Summary(String output, String outputName, long inputRows, long skippedRows, long rows, long errorRows,
                          long promptTokens, long outputTokens, double seconds, int failedTasks, int lostExecutors) {

        String describe() {
            return String.format(Locale.ROOT, "spark-llama: %d rows written to %s (%d error rows; %d already there were skipped)%n"
                            + "spark-llama: %d prompt tokens, %d %s tokens in %.1f s: %.1f %s tok/s, %.2f rows/s%n",
                    rows, output, errorRows, skippedRows, promptTokens, outputTokens, outputName, seconds,
                    outputTokens / Math.max(seconds, 1e-9), outputName, rows / Math.max(seconds, 1e-9))
                    + (failedTasks + lostExecutors == 0 ? "" : String.format(Locale.ROOT,
                    "spark-llama: failed task attempts (retried): %d; executors lost: %d%n", failedTasks, lostExecutors));
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("output", output);
            m.put("input_rows", inputRows);
            m.put("skipped_rows", skippedRows);
            m.put("rows", rows);
            m.put("error_rows", errorRows);
            m.put("prompt_tokens", promptTokens);
            m.put(outputName + "_tokens", outputTokens);
            m.put("seconds", Math.round(seconds * 1000) / 1000.0);
            m.put(outputName + "_tok_s", Math.round(outputTokens / Math.max(seconds, 1e-9) * 100) / 100.0);
            m.put("failed_tasks", failedTasks);
            m.put("lost_executors", lostExecutors);
            return m;
        }

        String toJson() {
            return Json.toJson(toMap());
        }
    }

    /** A job's body, given the session and its configuration. */
    interface Body {
        Map<String, Object> run(SparkSession spark, JobConfig config, PrintStream log) throws IOException;
    }

    /**
     * A job's {@code main}: parses the configuration, starts the session, runs the body, prints
     * its summary (human lines on stderr, one JSON line on stdout) and exits 0, 1 (failure) or 2
     * (bad configuration).
     */
    static void main(String[] args, String appName, Path defaultConfig, Map<String, String> keys, Body body) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        JobConfig config;
        try {
            config = JobConfig.parse(args, defaultConfig, keys);
        } catch (IllegalArgumentException | IOException e) {
            err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        // the job's own lines (progress, commits) stop the moment a signal stops the job
        PrintStream jobLog = new PrintStream(new java.io.FilterOutputStream(err) {
            @Override
            public void write(int b) throws IOException {
                if (!stopping.get()) {
                    err.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!stopping.get()) {
                    err.write(b, off, len);
                }
            }
        }, true, StandardCharsets.UTF_8);
        onSignalStop(err, jobLog);
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        config.sparkSettings().forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        int status = 0;
        try {
            Map<String, Object> result = body.run(spark, config, jobLog);
            if (!stopping.get()) {
                out.println(Json.toJson(result));
            }
        } catch (IllegalArgumentException | IOException e) {
            if (!stopping.get()) {
                err.println("error: " + e.getMessage());
            }
            status = 1;
        } finally {
            spark.stop();
        }
        System.exit(status);
    }

    /** Set once a signal stops the job: from then on nothing but the one line about it is printed. */
    private static final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    /** What the job has written so far, for that line. */
    private static volatile String written = "before the job wrote anything; run it again to start over";

    /**
     * On SIGINT (Ctrl-C) or SIGTERM: one line saying what is committed and how to resume, then a
     * normal exit (status 128 + signal), whose shutdown hooks stop Spark. Spark's own reaction
     * (its jobs failing as the context stops: about 130 lines with an internal-error trace) is
     * silenced: the logs are turned off and System.err dropped. A second signal halts at once.
     */
    private static void onSignalStop(PrintStream err, PrintStream jobLog) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    int status = 128 + sig.getNumber();
                    if (!stopping.compareAndSet(false, true)) {
                        Runtime.getRuntime().halt(status);
                    }
                    try {
                        org.apache.logging.log4j.core.config.Configurator.setAllLevels(
                                org.apache.logging.log4j.LogManager.ROOT_LOGGER_NAME, org.apache.logging.log4j.Level.OFF);
                    } catch (LinkageError | RuntimeException e) {
                        // another logging backend (or none): its lines stay
                    }
                    System.setErr(new PrintStream(java.io.OutputStream.nullOutputStream()));
                    synchronized (jobLog) {
                        // a progress line being printed finishes first; later ones are dropped
                        jobLog.flush();
                    }
                    err.println("spark-llama: stopped by SIG" + sig.getName() + " " + written);
                    System.exit(status);
                });
            } catch (IllegalArgumentException e) {
                // the JVM was started with -Xrs or the signal is in use: keep the JVM's handling
            }
        }
    }

    /**
     * Runs {@code transformer} over {@code llama.input} into {@code llama.output}, resuming or
     * refusing to overwrite as configured.
     */
    static Summary run(SparkSession spark, JobConfig c, LlamaTransformer<?> transformer, String outputName, PrintStream log)
            throws IOException {
        return run(spark, c, transformer, d -> d, outputName, log);
    }

    /**
     * As above, with {@code finish} applied to the transformer's output before it is written.
     *
     * <p>The rows still to do are split by a hash of their id into chunks of about
     * {@code llama.commit.rows}, and each chunk is written (committed) by its own Spark job. A
     * job that dies, driver and all, loses at most the chunk it was writing: a re-run with
     * {@code llama.resume=true} skips every id already committed. Rows sharing an id (and all
     * rows without one) fall in the same chunk, so they are committed together.
     */
    static Summary run(SparkSession spark, JobConfig c, LlamaTransformer<?> transformer,
                       java.util.function.UnaryOperator<Dataset<Row>> finish, String outputName, PrintStream log)
            throws IOException {
        String input = c.require("llama.input");
        String output = c.require("llama.output");
        String idColumn = c.get("llama.id.column");
        boolean resume = c.getBoolean("llama.resume");
        boolean overwrite = c.getBoolean("llama.overwrite");
        int partitions = c.getInt("llama.partitions", 0, 1_000_000);
        long commitRows = c.getInt("llama.commit.rows", 1, Integer.MAX_VALUE);
        c.require("llama.model");
        transformer.checkModelOnDriver(spark, transformer.engineSpec());

        Dataset<Row> rows = JobInput.read(spark, input, "llama.input");
        if (!java.util.Arrays.asList(rows.columns()).contains(idColumn)) {
            throw new IllegalArgumentException("input " + input + " has no id column '" + idColumn + "' (llama.id.column); columns: "
                    + String.join(", ", rows.columns()));
        }
        Row ids = rows.groupBy(col(idColumn)).count()
                .agg(coalesce(sum(col("count")), lit(0L)),
                        count(when(col("count").gt(1).and(col(idColumn).isNotNull()), true)),
                        coalesce(sum(when(col(idColumn).isNull(), col("count"))), lit(0L)))
                .first();
        long inputRows = ids.getLong(0), sharedIds = ids.getLong(1), nullIds = ids.getLong(2);
        if (sharedIds > 0) {
            log.printf(Locale.ROOT, "spark-llama: warning: %d ids appear on more than one row; each such row still gets its own "
                    + "output row (with the same sampling seed)%n", sharedIds);
        }
        if (nullIds > 0) {
            log.printf(Locale.ROOT, "spark-llama: warning: %d rows have a null id; they become error rows%n", nullIds);
        }
        boolean outputExists = exists(spark, output);
        long skipped = 0;
        if (outputExists && resume) {
            removeUnfinishedWrites(spark, output, log);
        }
        Dataset<Row> done = outputExists && resume ? writtenIds(spark, output, idColumn) : null;
        if (done != null) {
            rows = rows.join(done, rows.col(idColumn).eqNullSafe(done.col(idColumn)), "left_anti");
            skipped = inputRows - rows.count();
            log.printf(Locale.ROOT, "spark-llama: resuming: %d of %d rows are already in %s%n", skipped, inputRows, output);
        } else if (outputExists && !overwrite) {
            throw new IllegalArgumentException(output + " already exists; set llama.resume=true to add the missing rows, "
                    + "or llama.overwrite=true to replace it");
        }
        long todo = inputRows - skipped;
        JobMetrics metrics = new JobMetrics(spark.sparkContext());
        long t0 = System.nanoTime();
        int failedTasks = 0, lostExecutors = 0;
        if (todo > 0) {
            int chunks = (int) Math.min(Integer.MAX_VALUE, (todo + commitRows - 1) / commitRows);
            int tasks = partitions > 0 ? Math.max(1, partitions / chunks)
                    : (int) Math.max(2L * spark.sparkContext().defaultParallelism(), (todo / chunks + 999) / 1000);
            // Commits go by chunk (its rows are fixed by the hash before it runs), not by time: say what a stop keeps.
            log.printf(Locale.ROOT, "spark-llama: writing %d rows to %s in %d chunk%s of about %d rows (llama.commit.rows); "
                    + "a job stopped midway keeps only the chunks already committed%n", todo, output, chunks, chunks == 1 ? "" : "s",
                    (todo + chunks - 1) / chunks);
            written = String.format(Locale.ROOT, "before the first of %d chunk%s was committed to %s: nothing is written yet; "
                    + "run again with llama.resume=true (or llama.overwrite=true) to start over", chunks, chunks == 1 ? "" : "s", output);
            try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), metrics, todo, outputName,
                    c.getInt("llama.progress.seconds", 1, 3600), log)) {
                for (int k = 0; k < chunks; k++) {
                    Dataset<Row> chunk = chunks == 1 ? rows
                            : rows.where(pmod(xxhash64(col(idColumn)), lit((long) chunks)).equalTo(lit((long) k)));
                    Dataset<Row> results = finish.apply(transformer.transform(chunk.repartition(tasks), metrics));
                    boolean first = k == 0 && !resume;
                    results.write().mode(first ? SaveMode.Overwrite : SaveMode.Append).parquet(output);
                    if (chunks > 1) {
                        log.printf(Locale.ROOT, "spark-llama: committed chunk %d of %d (%d rows written so far)%n",
                                k + 1, chunks, metrics.rows());
                    }
                    written = k + 1 == chunks ? "after every row was written to " + output
                            : String.format(Locale.ROOT, "with %d of %d chunks committed to %s (%d rows%s); run again with "
                            + "llama.resume=true to add the other rows", k + 1, chunks, output, skipped + metrics.rows(),
                            skipped > 0 ? ", " + skipped + " of them from earlier runs" : "");
                }
                failedTasks = progress.failedTasks();
                lostExecutors = progress.lostExecutors();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Summary s = new Summary(output, outputName, inputRows, skipped, metrics.rows(), metrics.errorRows(),
                metrics.promptTokens(), metrics.generatedTokens(), seconds, failedTasks, lostExecutors);
        log.print(s.describe());
        return s;
    }

    /**
     * Reads a local model's header on the driver, so a wrong path, a corrupt file or an engine that
     * cannot fit the executors' heap fails the job at once rather than in every task. A model or
     * tokenizer on a Hadoop file system (hdfs:, s3a:, ...) must exist; its header is read by the
     * executors.
     */
    static void checkModelOnDriver(SparkSession spark, EngineSpec spec, String model, String tokenizer) throws IOException {
        for (String location : new String[] {model, tokenizer}) {
            if (location != null && ModelLocations.isRemote(location)) {
                org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(location);
                if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                    throw new IOException(location + ": no such file");
                }
            }
        }
        if (ModelLocations.isRemote(model)) {
            return; // a remote model's header and size are checked by the executors, which copy it
        }
        Path modelPath = ModelLocations.local(model);
        try (ModelFile f = ModelFiles.open(modelPath)) {
            LlamaConfig config = LlamaConfig.read(f);
            if (tokenizer != null && !ModelLocations.isRemote(tokenizer)) {
                ModelFiles.readTokenizer(ModelLocations.local(tokenizer), config.vocabSize());
            }
        }
        org.apache.spark.SparkConf conf = spark.sparkContext().getConf();
        EngineOptions options = spec.toOptions(EngineRegistry.executorCores(conf));
        String master = conf.get("spark.master", "local");
        if (master.startsWith("local") && !master.startsWith("local-cluster")) {
            if (!EngineRegistry.isLoaded(spec)) {
                // the executor is this JVM: engines no task uses are closed before the new one loads, and weights
                // another engine already holds are shared, not loaded again
                EngineRegistry.closeIdle();
                if (!EngineRegistry.holdsModel(spec)) {
                    MemoryBudget.checkBeforeLoading(modelPath, options);
                }
            }
            return;
        }
        checkExecutorHeap(modelPath, options, conf.getSizeAsBytes("spark.executor.memory", "1g"));
    }

    /** Fails when an engine with {@code options} over {@code model} cannot fit an executor heap of {@code heap} bytes. */
    static void checkExecutorHeap(Path model, EngineOptions options, long heap) throws IOException {
        long usable = heap - SPARK_RESERVED_BYTES;
        MemoryBudget.Need need = MemoryBudget.need(model, options);
        if (need.mustFit() > usable) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %s, but an executor's heap is %,d MB "
                            + "(spark.executor.memory), %,d MB after the 300 MB Spark keeps; raise spark.executor.memory (on a cluster; "
                            + "in local mode the job runs in the driver: spark.driver.memory), or lower "
                            + "llama.max.sequences or llama.context, use llama.kv.type=f16, or a smaller or more quantized model",
                    model.getFileName(), need.describe(), heap >> 20, usable >> 20));
        }
    }

    /** The ids already in the output, or null when it holds no data yet (e.g. only a killed run's temporary files). */
    private static Dataset<Row> writtenIds(SparkSession spark, String output, String idColumn) {
        try {
            return spark.read().parquet(output).select(idColumn).distinct();
        } catch (Exception e) { // AnalysisException: no Parquet files to infer a schema from
            if (e instanceof org.apache.spark.sql.AnalysisException) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Deletes the {@code _temporary} directory a killed run left in the output. Hadoop's file
     * output committer would otherwise move that run's committed task files into the output when
     * the resumed run commits, next to the same rows written again: duplicated ids. (This is why
     * only one job may write an output at a time.)
     */
    private static void removeUnfinishedWrites(SparkSession spark, String output, PrintStream log) throws IOException {
        org.apache.hadoop.fs.Path pending = new org.apache.hadoop.fs.Path(output, "_temporary");
        org.apache.hadoop.fs.FileSystem fs = pending.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(pending)) {
            fs.delete(pending, true);
            log.printf(Locale.ROOT, "spark-llama: resuming: removed the unfinished writes of an earlier run (%s)%n", pending);
        }
    }

    static boolean exists(SparkSession spark, String path) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    }
}
