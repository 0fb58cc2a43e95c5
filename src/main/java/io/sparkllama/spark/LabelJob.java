package io.sparkllama.spark;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The labeling job: each row's text, through a prompt template (typically a long instruction
 * shared by every row), is labeled with the most likely of a set of options ({@link LlamaChooser}).
 * Configured by {@code conf/label.properties} and {@code key=value} overrides; see
 * docs/CONFIGURATION.md and docs/LABELING.md.
 */
public final class LabelJob {
    static final Map<String, String> KEYS = BatchJob.commonKeys("sample-data/labeling.parquet", "output/labels");

    static {
        KEYS.put("llama.prompt.column", "text");
        KEYS.put("llama.prompt.template", "");
        BatchJob.putChatKeys(KEYS);
        KEYS.put("llama.options", "");
        KEYS.put("llama.options.column", "");
        KEYS.put("llama.output.column", "label");
    }

    private LabelJob() {
    }

    public static void main(String[] args) {
        BatchJob.main(args, "spark-llama label", Path.of("conf", "label.properties"), KEYS,
                (spark, config, log) -> run(spark, config, log).toMap());
    }

    /** Runs the job in an existing session; keys the configuration leaves unset take the session's spark.llama.* values. */
    public static BatchJob.Summary run(SparkSession spark, JobConfig config, PrintStream log) throws IOException {
        JobConfig c = config.inSession(spark, log);
        return BatchJob.run(spark, c, chooser(c), "scored", log);
    }

    static LlamaChooser chooser(JobConfig c) {
        return BatchJob.chatSettings(BatchJob.engineSettings(new LlamaChooser(), c), c)
                .setInputCol(c.get("llama.prompt.column"))
                .setOutputCol(c.get("llama.output.column"))
                .setOptions(c.getStrings("llama.options"))
                .setOptionsCol(c.optional("llama.options.column"))
                .setPromptTemplate(c.optional("llama.prompt.template"));
    }
}
