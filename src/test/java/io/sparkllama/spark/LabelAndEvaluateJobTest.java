package io.sparkllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The label and evaluate jobs, and the scorer: one output row per input row, error rows for bad input. */
@Timeout(300)
class LabelAndEvaluateJobTest extends LocalSparkTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    private static JobConfig config(Map<String, String> keys, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "llama.model=" + SparkTests.MODEL;
        all[1] = "llama.progress.seconds=1";
        System.arraycopy(args, 0, all, 2, args.length);
        return JobConfig.parse(all, null, keys);
    }

    @Test
    void labelJobLabelsEveryRow() throws Exception {
        List<Row> rows = new ArrayList<>(SampleData.labelingRows(40));
        rows.add(RowFactory.create(41L, null));
        rows.add(RowFactory.create(42L, ""));
        rows.add(RowFactory.create(43L, "  "));
        Path input = dir.resolve("labeling.parquet"), output = dir.resolve("labels");
        spark.createDataFrame(rows, SampleData.labelingSchema()).write().mode(SaveMode.Overwrite).parquet(input.toString());
        BatchJob.Summary s = LabelJob.run(spark, config(LabelJob.KEYS, "llama.input=" + input, "llama.output=" + output,
                "llama.prompt.template=Story: {text}\\nThe story is", "llama.options=[\" happy\", \" sad\"]",
                "llama.prefix.cache=2", "llama.partitions=3"), QUIET);
        assertEquals(43, s.rows());
        assertEquals(3, s.errorRows());
        Dataset<Row> out = spark.read().parquet(output.toString());
        assertEquals(43, out.count());
        for (Row r : out.collectAsList()) {
            long id = r.getLong(r.fieldIndex("id"));
            if (id > 40) {
                assertTrue(r.getString(r.fieldIndex("error")).matches("text is (null|empty|blank)"), r.toString());
                assertTrue(r.isNullAt(r.fieldIndex("label")));
                continue;
            }
            assertNull(r.getString(r.fieldIndex("error")));
            String label = r.getString(r.fieldIndex("label"));
            assertTrue(label.equals(" happy") || label.equals(" sad"), label);
            List<Double> probs = r.getList(r.fieldIndex("label_probs"));
            assertEquals(1.0, probs.get(0) + probs.get(1), 1e-12);
            assertEquals(label.equals(" happy") ? 0 : 1, r.getInt(r.fieldIndex("label_index")));
        }
    }

    @Test
    void evaluateJobGradesEveryRowAndWritesOneRowOfMetrics() throws Exception {
        List<Row> rows = new ArrayList<>(SampleData.evalRows(30));
        rows.add(RowFactory.create(31L, null, List.of(" a", " b"), 0));
        rows.add(RowFactory.create(32L, "Lily ate an", null, 0));
        rows.add(RowFactory.create(33L, "Lily ate an", List.of(" apple"), 0));
        rows.add(RowFactory.create(34L, "Lily ate an", List.of(" apple", " egg"), 5));
        rows.add(RowFactory.create(35L, "Lily ate an", List.of(" apple", " egg"), null));
        Path input = dir.resolve("eval.parquet"), output = dir.resolve("eval"), metricsPath = dir.resolve("metrics");
        spark.createDataFrame(rows, SampleData.evalSchema()).write().mode(SaveMode.Overwrite).parquet(input.toString());
        Map<String, Object> result = EvaluateJob.run(spark, config(EvaluateJob.KEYS, "llama.input=" + input,
                "llama.output=" + output, "llama.metrics.output=" + metricsPath, "llama.partitions=2"), QUIET);
        Dataset<Row> out = spark.read().parquet(output.toString());
        assertEquals(35, out.count(), "one result row per input row");
        assertEquals(5, out.filter("error is not null").count());
        assertEquals(30, out.filter("correct is not null").count());
        List<Row> metrics = spark.read().parquet(metricsPath.toString()).collectAsList();
        assertEquals(1, metrics.size());
        Row m = metrics.get(0);
        assertEquals(35L, m.getLong(m.fieldIndex("rows")));
        assertEquals(5L, m.getLong(m.fieldIndex("error_rows")));
        double accuracy = m.getDouble(m.fieldIndex("accuracy"));
        long correct = out.filter("correct").count();
        assertEquals(correct / 30.0, accuracy, 1e-12);
        double perplexity = m.getDouble(m.fieldIndex("perplexity"));
        double sumLp = out.filter("correct is not null").agg(org.apache.spark.sql.functions.sum("gold_logprob")).first().getDouble(0);
        long sumTokens = out.filter("correct is not null").agg(org.apache.spark.sql.functions.sum("gold_tokens")).first().getLong(0);
        assertEquals(Math.exp(-sumLp / sumTokens), perplexity, 1e-9);
        assertTrue(((Map<?, ?>) result.get("metrics")).containsKey("mean_loglikelihood"));
    }

    @Test
    void scorerScoresTextsAndContinuations() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("context", DataTypes.StringType)
                .add("text", DataTypes.StringType);
        List<Row> rows = List.of(
                RowFactory.create(1L, "Once upon a time", ", there was a little girl named Lily."),
                RowFactory.create(2L, "", "Once upon a time, there was a little girl named Lily."),
                RowFactory.create(3L, "Once upon a time", null),
                RowFactory.create(4L, null, "text"));
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        List<Row> out = new LlamaScorer().setModel(SparkTests.MODEL).setContextCol("context").setContinuationCol("text")
                .transform(df).orderBy("id").collectAsList();
        assertEquals(4, out.size());
        assertTrue(out.get(0).getBoolean(out.get(0).fieldIndex("is_greedy")));
        assertEquals(11, out.get(0).getInt(out.get(0).fieldIndex("num_tokens")));
        double lp = out.get(0).getDouble(out.get(0).fieldIndex("logprob"));
        List<Double> perToken = out.get(0).getList(out.get(0).fieldIndex("token_logprobs"));
        assertEquals(lp, perToken.stream().mapToDouble(Double::doubleValue).sum(), 1e-12);
        assertTrue(out.get(1).getDouble(out.get(1).fieldIndex("perplexity")) > 1);
        assertEquals("continuation is null", out.get(2).getString(out.get(2).fieldIndex("error")));
        assertEquals("context is null", out.get(3).getString(out.get(3).fieldIndex("error")));
    }
}
