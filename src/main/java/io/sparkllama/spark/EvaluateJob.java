package io.sparkllama.spark;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * The evaluation job: multiple-choice items (a context, an array of options, the index of the
 * right one) scored by log-likelihood, as lm-evaluation-harness does. Writes per-row results (the
 * {@link LlamaChooser} columns plus {@code correct}, {@code gold_logprob} and {@code gold_tokens})
 * and a one-row metrics table: accuracy, mean log-likelihood of the right options, and their
 * perplexity ({@code exp(-sum logprob / sum tokens)}). Rows with a bad answer index are error rows.
 */
public final class EvaluateJob {
    static final Map<String, String> KEYS = BatchJob.commonKeys("sample-data/eval.parquet", "output/eval/results");

    static {
        KEYS.put("llama.context.column", "context");
        KEYS.put("llama.options.column", "options");
        KEYS.put("llama.answer.column", "answer");
        KEYS.put("llama.metrics.output", "output/eval/metrics");
    }

    private EvaluateJob() {
    }

    public static void main(String[] args) {
        BatchJob.main(args, "spark-llama evaluate", Path.of("conf", "evaluate.properties"), KEYS, EvaluateJob::run);
    }

    /** Runs the job; returns the summary and the metrics. */
    static Map<String, Object> run(SparkSession spark, JobConfig config, PrintStream log) throws IOException {
        JobConfig c = config.inSession(spark, log);
        String answer = c.get("llama.answer.column");
        LlamaChooser chooser = BatchJob.engineSettings(new LlamaChooser(), c)
                .setInputCol(c.get("llama.context.column"))
                .setOptionsCol(c.get("llama.options.column"));
        BatchJob.Summary s = BatchJob.run(spark, c, chooser, results -> grade(results, answer), "scored", log);
        Map<String, Object> metrics = metrics(spark.read().parquet(c.require("llama.output")));
        log.printf(Locale.ROOT, "spark-llama: accuracy %.4f over %s scored rows, mean log-likelihood %.4f, perplexity %.4f%n",
                metrics.get("accuracy"), metrics.get("scored_rows"), metrics.get("mean_loglikelihood"), metrics.get("perplexity"));
        StructType schema = new StructType().add("rows", DataTypes.LongType).add("error_rows", DataTypes.LongType)
                .add("scored_rows", DataTypes.LongType).add("accuracy", DataTypes.DoubleType)
                .add("mean_loglikelihood", DataTypes.DoubleType).add("perplexity", DataTypes.DoubleType);
        Row row = RowFactory.create(metrics.get("rows"), metrics.get("error_rows"), metrics.get("scored_rows"),
                metrics.get("accuracy"), metrics.get("mean_loglikelihood"), metrics.get("perplexity"));
        spark.createDataFrame(List.of(row), schema).coalesce(1).write().mode(SaveMode.Overwrite)
                .parquet(c.require("llama.metrics.output"));
        Map<String, Object> out = new LinkedHashMap<>(s.toMap());
        out.put("metrics", metrics);
        return out;
    }

    /** Adds correct / gold_logprob / gold_tokens; a missing or out-of-range answer makes the row an error row. */
    static Dataset<Row> grade(Dataset<Row> results, String answer) {
        Column index = col(answer);
        Column bad = index.isNull().or(index.lt(0)).or(index.geq(size(col("option_logprobs"))));
        Column scored = col(OutputColumns.ERROR).isNull();
        Column badMessage = when(index.isNull(), lit("answer is null"))
                .otherwise(lit("answer index is outside the options"));
        return results
                .withColumn(OutputColumns.ERROR, when(scored.and(bad), badMessage).otherwise(col(OutputColumns.ERROR)))
                .withColumn("correct", when(col(OutputColumns.ERROR).isNull(), col("label_index").equalTo(index)))
                .withColumn("gold_logprob", when(col(OutputColumns.ERROR).isNull(),
                        element_at(col("option_logprobs"), index.plus(1))))
                .withColumn("gold_tokens", when(col(OutputColumns.ERROR).isNull(),
                        element_at(col("option_tokens"), index.plus(1))));
    }

    /** Metrics over all graded rows (of this run and any resumed ones). */
    static Map<String, Object> metrics(Dataset<Row> graded) {
        Row r = graded.agg(count(lit(1)), count(col(OutputColumns.ERROR)), count(col("correct")),
                sum(when(col("correct"), 1L).otherwise(0L)), avg(col("gold_logprob")), sum(col("gold_logprob")),
                sum(col("gold_tokens"))).first();
        long rows = r.getLong(0), errors = r.getLong(1), scoredRows = r.getLong(2), correct = r.getLong(3);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", rows);
        m.put("error_rows", errors);
        m.put("scored_rows", scoredRows);
        m.put("accuracy", scoredRows == 0 ? Double.NaN : (double) correct / scoredRows);
        m.put("mean_loglikelihood", r.isNullAt(4) ? Double.NaN : r.getDouble(4));
        m.put("perplexity", r.isNullAt(5) || r.isNullAt(6) || r.getLong(6) == 0 ? Double.NaN
                : StrictMath.exp(-r.getDouble(5) / r.getLong(6)));
        return m;
    }

}
