package io.sparkllama.spark;

import io.sparkllama.cli.Json;
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

/**
 * What every spark-llama job does around its transformer: read the input Parquet, skip rows
 * already in the output when resuming, run the transformer with progress logging, write the
 * output, summarise. The job classes ({@link GenerateJob}, {@link LabelJob},
 * {@link EvaluateJob}) add their keys and build their transformer.
 */
final class BatchJob {
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
        k.put("llama.partitions", "0");
        k.put("llama.resume", "false");
        k.put("llama.overwrite", "false");
        k.put("llama.progress.seconds", "5");
        return k;
    }

    private BatchJob() {
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
                .setPrefixCache(c.getInt("llama.prefix.cache", 0, 1024));
    }

    /** What a run did. {@code outputName} says what the output tokens are ("generated" or "scored"). */
    public record Summary(String output, String outputName, long inputRows, long skippedRows, long rows, long errorRows,
                          long promptTokens, long outputTokens, double seconds) {

        String describe() {
            return String.format(Locale.ROOT, "spark-llama: %d rows written to %s (%d error rows; %d already there were skipped)%n"
                            + "spark-llama: %d prompt tokens, %d %s tokens in %.1f s: %.1f %s tok/s, %.2f rows/s%n",
                    rows, output, errorRows, skippedRows, promptTokens, outputTokens, outputName, seconds,
                    outputTokens / Math.max(seconds, 1e-9), outputName, rows / Math.max(seconds, 1e-9));
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
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        config.sparkSettings().forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        int status = 0;
        try {
            out.println(Json.toJson(body.run(spark, config, err)));
        } catch (IllegalArgumentException | IOException e) {
            err.println("error: " + e.getMessage());
            status = 1;
        } finally {
            spark.stop();
        }
        System.exit(status);
    }

    /**
     * Runs {@code transformer} over {@code llama.input} into {@code llama.output}, resuming or
     * refusing to overwrite as configured.
     */
    static Summary run(SparkSession spark, JobConfig c, LlamaTransformer<?> transformer, String outputName, PrintStream log)
            throws IOException {
        return run(spark, c, transformer, d -> d, outputName, log);
    }

    /** As above, with {@code finish} applied to the transformer's output before it is written. */
    static Summary run(SparkSession spark, JobConfig c, LlamaTransformer<?> transformer,
                       java.util.function.UnaryOperator<Dataset<Row>> finish, String outputName, PrintStream log)
            throws IOException {
        String input = c.require("llama.input");
        String output = c.require("llama.output");
        String idColumn = c.get("llama.id.column");
        boolean resume = c.getBoolean("llama.resume");
        boolean overwrite = c.getBoolean("llama.overwrite");
        checkModelOnDriver(c.require("llama.model"), c.optional("llama.tokenizer"));

        Dataset<Row> rows = spark.read().parquet(input);
        int partitions = c.getInt("llama.partitions", 0, 1_000_000);
        if (partitions > 0) {
            rows = rows.repartition(partitions);
        }
        long inputRows = rows.count();
        boolean outputExists = exists(spark, output);
        long skipped = 0;
        Dataset<Row> done = outputExists && resume ? writtenIds(spark, output, idColumn) : null;
        if (done != null) {
            Dataset<Row> remaining = rows.join(done, rows.col(idColumn).equalTo(done.col(idColumn)), "left_anti");
            long left = remaining.count();
            skipped = inputRows - left;
            rows = remaining;
            log.printf(Locale.ROOT, "spark-llama: resuming: %d of %d rows are already in %s%n", skipped, inputRows, output);
        } else if (outputExists && !overwrite) {
            throw new IllegalArgumentException(output + " already exists; set llama.resume=true to add the missing rows, "
                    + "or llama.overwrite=true to replace it");
        }
        long todo = inputRows - skipped;
        JobMetrics metrics = new JobMetrics(spark.sparkContext());
        long t0 = System.nanoTime();
        if (todo > 0) {
            Dataset<Row> results = finish.apply(transformer.transform(rows, metrics));
            try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), metrics, todo, outputName,
                    c.getInt("llama.progress.seconds", 1, 3600), log)) {
                results.write().mode(resume ? SaveMode.Append : SaveMode.Overwrite).parquet(output);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Summary s = new Summary(output, outputName, inputRows, skipped, metrics.rows(), metrics.errorRows(),
                metrics.promptTokens(), metrics.generatedTokens(), seconds);
        log.print(s.describe());
        return s;
    }

    /** Reads a local model's header on the driver, so a wrong path or a corrupt file fails the job at once. */
    static void checkModelOnDriver(String model, String tokenizer) throws IOException {
        if (!isLocal(model)) {
            return; // remote models are resolved and checked by the executors
        }
        try (ModelFile f = ModelFiles.open(localPath(model))) {
            LlamaConfig config = LlamaConfig.read(f);
            if (tokenizer != null && isLocal(tokenizer)) {
                ModelFiles.readTokenizer(localPath(tokenizer), config.vocabSize());
            }
        }
    }

    private static Path localPath(String location) {
        return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
    }

    private static boolean isLocal(String location) {
        String scheme = URI.create(location.replace(" ", "%20")).getScheme();
        return scheme == null || scheme.length() == 1 || scheme.equals("file");
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

    static boolean exists(SparkSession spark, String path) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    }
}
