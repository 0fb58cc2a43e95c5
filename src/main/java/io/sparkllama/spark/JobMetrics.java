package io.sparkllama.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * Named accumulators of a job, visible in the Spark UI: rows done, error rows, prompt tokens,
 * output tokens (generated, or scored). Values count successful task attempts (Spark's
 * accumulator rule), so retried partitions are not counted twice in the final figures.
 */
public final class JobMetrics implements Serializable {
    private static final long serialVersionUID = 1L;

    final LongAccumulator rows;
    final LongAccumulator errorRows;
    final LongAccumulator promptTokens;
    final LongAccumulator generatedTokens;

    JobMetrics(SparkContext sc) {
        rows = sc.longAccumulator("spark-llama rows");
        errorRows = sc.longAccumulator("spark-llama error rows");
        promptTokens = sc.longAccumulator("spark-llama prompt tokens");
        generatedTokens = sc.longAccumulator("spark-llama output tokens");
    }

    void record(boolean error, long prompt, long output) {
        rows.add(1);
        if (error) {
            errorRows.add(1);
        }
        promptTokens.add(prompt);
        generatedTokens.add(output);
    }

    public long rows() {
        return rows.value();
    }

    public long errorRows() {
        return errorRows.value();
    }

    public long promptTokens() {
        return promptTokens.value();
    }

    public long generatedTokens() {
        return generatedTokens.value();
    }
}
