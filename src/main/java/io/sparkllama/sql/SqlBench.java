package io.sparkllama.sql;

import io.sparkllama.engine.Engine;
import io.sparkllama.spark.EngineRegistry;
import io.sparkllama.spark.LlamaGenerator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.Locale;

/**
 * The llama_generate SQL function against the {@link LlamaGenerator} transformer on the same
 * rows, model and settings ({@code scripts/bench-sql.sh}): generated tokens per second of each,
 * and the engine's mean batch occupancy (generated tokens per engine step), then whether both
 * wrote the same completions.
 *
 * <pre>SqlBench MODEL PROMPTS-PARQUET MAX-TOKENS OUT-DIR</pre>
 */
public final class SqlBench {
    private SqlBench() {
    }

    private record Run(String name, long tokens, long steps, double seconds) {
        String json() {
            return String.format(Locale.ROOT, "\"%s\":{\"generated_tokens\":%d,\"seconds\":%.2f,\"generated_tok_s\":%.1f,"
                    + "\"tokens_per_step\":%.2f}", name, tokens, seconds, tokens / seconds, (double) tokens / steps);
        }
    }

    public static void main(String[] args) throws IOException {
        String model = args[0], prompts = args[1], out = args[3];
        int maxTokens = Integer.parseInt(args[2]);
        SparkSession spark = SparkSession.builder().appName("spark-llama sql bench").withExtensions(new LlamaExtensions())
                .getOrCreate();
        try {
            Dataset<Row> rows = spark.read().parquet(prompts).repartition(2).cache();
            long n = rows.count();
            rows.createOrReplaceTempView("prompts");
            LlamaGenerator generator = new LlamaGenerator().setModel(model).setMaxTokens(maxTokens).setTemperature(0.8)
                    .setTopP(0.95).setSeed(42).setMaxSequences(16);
            String sql = "SELECT *, llama_generate(prompt, map('model', '" + model + "', 'max.tokens', '" + maxTokens
                    + "', 'temperature', '0.8', 'top.p', '0.95', 'seed', '42', 'max.sequences', '16'), id) AS r FROM prompts";
            try (EngineRegistry.Lease lease = EngineRegistry.acquire(generator.engineSpec())) {
                Engine engine = lease.engine();
                generator.transform(rows.limit(32)).write().format("noop").mode("overwrite").save(); // warm-up
                Run transformer = measure("transformer", engine,
                        () -> generator.transform(rows).write().mode("overwrite").parquet(out + "/transformer"));
                Run function = measure("sql_function", engine,
                        () -> spark.sql(sql).write().mode("overwrite").parquet(out + "/sql"));
                long differ = spark.read().parquet(out + "/transformer").alias("t")
                        .join(spark.read().parquet(out + "/sql").alias("s"), "id")
                        .where("NOT (t.completion <=> s.r.completion)").count();
                System.out.println("{\"rows\":" + n + ",\"max_tokens\":" + maxTokens + "," + transformer.json() + ","
                        + function.json() + ",\"rows_that_differ\":" + differ + "}");
            }
        } finally {
            spark.stop();
        }
    }

    private static Run measure(String name, Engine engine, Runnable job) {
        Engine.Stats before = engine.stats();
        long t0 = System.nanoTime();
        job.run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Engine.Stats after = engine.stats();
        return new Run(name, after.outputTokens() - before.outputTokens(), after.steps() - before.steps(), seconds);
    }
}
