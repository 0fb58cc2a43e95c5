package io.sparkllama.spark;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
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
    static final Map<String, String> KEYS = BatchJob.commonKeys("sample-data/prompts.parquet", "output/completions");

    static {
        KEYS.put("llama.prompt.column", "prompt");
        KEYS.put("llama.output.column", "completion");
        KEYS.put("llama.max.tokens", "256");
        KEYS.put("llama.temperature", "0.8");
        KEYS.put("llama.top.p", "0.95");
        KEYS.put("llama.top.k", "0");
        KEYS.put("llama.seed", "0");
        KEYS.put("llama.stop", "");
        KEYS.put("llama.prompt.template", "");
        BatchJob.putChatKeys(KEYS);
        KEYS.put("llama.messages.column", "");
        KEYS.put("llama.truncate", "false");
    }

    private GenerateJob() {
    }

    public static void main(String[] args) {
        BatchJob.main(args, "spark-llama generate", Path.of("conf", "generate.properties"), KEYS,
                (spark, config, log) -> run(spark, config, log).toMap());
    }

    /** Runs the job in an existing session; keys the configuration leaves unset take the session's spark.llama.* values. */
    public static BatchJob.Summary run(SparkSession spark, JobConfig config, PrintStream log) throws IOException {
        JobConfig c = config.inSession(spark, log);
        return BatchJob.run(spark, c, generator(c), "generated", log);
    }

    static LlamaGenerator generator(JobConfig c) {
        return BatchJob.chatSettings(BatchJob.engineSettings(new LlamaGenerator(), c), c)
                .setInputCol(c.get("llama.prompt.column"))
                .setOutputCol(c.get("llama.output.column"))
                .setMaxTokens(c.getInt("llama.max.tokens", 0, Integer.MAX_VALUE))
                .setTemperature(c.getDouble("llama.temperature", 0, 100))
                .setTopP(c.getDouble("llama.top.p", Double.MIN_VALUE, 1))
                .setTopK(c.getInt("llama.top.k", 0, Integer.MAX_VALUE))
                .setSeed(c.getLong("llama.seed"))
                .setStop(c.getStrings("llama.stop"))
                .setPromptTemplate(c.optional("llama.prompt.template"))
                .setMessagesCol(c.optional("llama.messages.column"))
                .setTruncate(c.getBoolean("llama.truncate"));
    }
}
