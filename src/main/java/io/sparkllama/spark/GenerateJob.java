package io.sparkllama.spark;

import io.sparkllama.cli.Json;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;
import io.sparkllama.model.LlamaConfig;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The batch generation job: Parquet prompts in, Parquet completions out. Configured by a
 * properties file ({@code conf/generate.properties} by default) and {@code key=value} overrides;
 * see docs/CONFIGURATION.md. Prints progress while it runs and a summary at the end (human
 * lines on stderr, one JSON line on stdout).
 *
 * <pre>
 * spark-submit --class io.sparkllama.spark.GenerateJob spark-llama.jar --config conf/generate.properties llama.max.tokens=64
 * </pre>
 */
public final class GenerateJob {
    /** Every llama.* key this job accepts, with its default ("" for none). */
    static final Map<String, String> KEYS = new LinkedHashMap<>();

    static {
        KEYS.put("llama.input", "sample-data/prompts.parquet");
        KEYS.put("llama.output", "output/completions");
        KEYS.put("llama.prompt.column", "prompt");
        KEYS.put("llama.id.column", "id");
        KEYS.put("llama.output.column", "completion");
        KEYS.put("llama.model", "models/stories260K.gguf");
        KEYS.put("llama.tokenizer", "");
        KEYS.put("llama.max.tokens", "256");
        KEYS.put("llama.temperature", "0.8");
        KEYS.put("llama.top.p", "0.95");
        KEYS.put("llama.top.k", "0");
        KEYS.put("llama.seed", "0");
        KEYS.put("llama.stop", "");
        KEYS.put("llama.prompt.template", "");
        KEYS.put("llama.chat", "false");
        KEYS.put("llama.system.prompt", "");
        KEYS.put("llama.truncate", "false");
        KEYS.put("llama.max.sequences", "16");
        KEYS.put("llama.kv.type", "f32");
        KEYS.put("llama.context", "0");
        KEYS.put("llama.prefill.chunk", "64");
        KEYS.put("llama.threads", "0");
        KEYS.put("llama.prefix.cache", "0");
        KEYS.put("llama.partitions", "0");
        KEYS.put("llama.resume", "false");
        KEYS.put("llama.overwrite", "false");
        KEYS.put("llama.progress.seconds", "5");
    }

    private GenerateJob() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
        JobConfig config;
        try {
            config = JobConfig.parse(args, Path.of("conf", "generate.properties"), KEYS);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("spark-llama generate");
        config.sparkSettings().forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        int status = 0;
        try {
            Summary s = run(spark, config, err);
            err.print(s.describe());
            out.println(s.toJson());
        } catch (IllegalArgumentException | java.io.IOException e) {
            err.println("error: " + e.getMessage());
            status = 1;
        } finally {
            spark.stop();
        }
        System.exit(status);
    }

    /** What a run did. */
    public record Summary(String output, long inputRows, long skippedRows, long rows, long errorRows, long promptTokens,
                          long generatedTokens, double seconds) {

        String describe() {
            return String.format(Locale.ROOT, "spark-llama: %d rows written to %s (%d error rows; %d already there were skipped)%n"
                            + "spark-llama: %d prompt tokens, %d generated tokens in %.1f s: %.1f generated tok/s, %.2f rows/s%n",
                    rows, output, errorRows, skippedRows, promptTokens, generatedTokens, seconds,
                    generatedTokens / Math.max(seconds, 1e-9), rows / Math.max(seconds, 1e-9));
        }

        String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("output", output);
            m.put("input_rows", inputRows);
            m.put("skipped_rows", skippedRows);
            m.put("rows", rows);
            m.put("error_rows", errorRows);
            m.put("prompt_tokens", promptTokens);
            m.put("generated_tokens", generatedTokens);
            m.put("seconds", Math.round(seconds * 1000) / 1000.0);
            m.put("generated_tok_s", Math.round(generatedTokens / Math.max(seconds, 1e-9) * 100) / 100.0);
            return Json.toJson(m);
        }
    }

    /** Runs the job in an existing session. */
    public static Summary run(SparkSession spark, JobConfig c, PrintStream log) throws java.io.IOException {
        String input = c.require("llama.input");
        String output = c.require("llama.output");
        String idColumn = c.get("llama.id.column");
        boolean resume = c.getBoolean("llama.resume");
        boolean overwrite = c.getBoolean("llama.overwrite");
        LlamaGenerator generator = generator(c);
        checkModelOnDriver(c.require("llama.model"), c.optional("llama.tokenizer"));

        Dataset<Row> prompts = spark.read().parquet(input);
        int partitions = c.getInt("llama.partitions", 0, 1_000_000);
        if (partitions > 0) {
            prompts = prompts.repartition(partitions);
        }
        long inputRows = prompts.count();
        boolean outputExists = exists(spark, output);
        long skipped = 0;
        Dataset<Row> done = outputExists && resume ? writtenIds(spark, output, idColumn) : null;
        if (done != null) {
            Dataset<Row> remaining = prompts.join(done, prompts.col(idColumn).equalTo(done.col(idColumn)), "left_anti");
            long left = remaining.count();
            skipped = inputRows - left;
            prompts = remaining;
            log.printf(Locale.ROOT, "spark-llama: resuming: %d of %d rows are already in %s%n", skipped, inputRows, output);
        } else if (outputExists && !overwrite) {
            throw new IllegalArgumentException(output + " already exists; set llama.resume=true to add the missing rows, "
                    + "or llama.overwrite=true to replace it");
        }
        long todo = inputRows - skipped;
        JobMetrics metrics = new JobMetrics(spark.sparkContext());
        long t0 = System.nanoTime();
        if (todo > 0) {
            Dataset<Row> results = generator.transform(prompts, metrics);
            try (ProgressReporter progress = new ProgressReporter(spark.sparkContext(), metrics, todo,
                    c.getInt("llama.progress.seconds", 1, 3600), log)) {
                results.write().mode(resume ? SaveMode.Append : SaveMode.Overwrite).parquet(output);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Summary(output, inputRows, skipped, metrics.rows(), metrics.errorRows(), metrics.promptTokens(),
                metrics.generatedTokens(), seconds);
    }

    static LlamaGenerator generator(JobConfig c) {
        return new LlamaGenerator()
                .setInputCol(c.get("llama.prompt.column"))
                .setIdCol(c.get("llama.id.column"))
                .setOutputCol(c.get("llama.output.column"))
                .setModel(c.require("llama.model"))
                .setTokenizer(c.optional("llama.tokenizer"))
                .setMaxTokens(c.getInt("llama.max.tokens", 0, Integer.MAX_VALUE))
                .setTemperature(c.getDouble("llama.temperature", 0, 100))
                .setTopP(c.getDouble("llama.top.p", Double.MIN_VALUE, 1))
                .setTopK(c.getInt("llama.top.k", 0, Integer.MAX_VALUE))
                .setSeed(c.getLong("llama.seed"))
                .setStop(c.getStrings("llama.stop"))
                .setPromptTemplate(c.optional("llama.prompt.template"))
                .setChatTemplate(c.getBoolean("llama.chat"))
                .setSystemPrompt(c.optional("llama.system.prompt"))
                .setTruncate(c.getBoolean("llama.truncate"))
                .setMaxSequences(c.getInt("llama.max.sequences", 1, 4096))
                .setKvType(c.get("llama.kv.type"))
                .setContextLength(c.getInt("llama.context", 0, Integer.MAX_VALUE))
                .setPrefillChunk(c.getInt("llama.prefill.chunk", 1, 4096))
                .setThreads(c.getInt("llama.threads", 0, 1024))
                .setPrefixCache(c.getInt("llama.prefix.cache", 0, 1024));
    }

    /** Reads a local model's header on the driver, so a wrong path or a corrupt file fails the job at once. */
    static void checkModelOnDriver(String model, String tokenizer) throws java.io.IOException {
        if (!isLocal(model)) {
            return; // remote models are resolved and checked by the executors
        }
        Path path = model.startsWith("file:") ? Path.of(URI.create(model)) : Path.of(model);
        try (ModelFile f = ModelFiles.open(path)) {
            LlamaConfig config = LlamaConfig.read(f);
            if (tokenizer != null && isLocal(tokenizer)) {
                ModelFiles.readTokenizer(tokenizer.startsWith("file:") ? Path.of(URI.create(tokenizer)) : Path.of(tokenizer),
                        config.vocabSize());
            }
        }
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

    private static boolean exists(SparkSession spark, String path) throws java.io.IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
    }
}
