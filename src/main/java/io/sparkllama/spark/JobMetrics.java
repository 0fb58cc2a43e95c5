package io.sparkllama.spark;

import io.sparkllama.engine.FinishReason;
import io.sparkllama.engine.GenerationResult;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * Named accumulators of a generation job, visible in the Spark UI: rows done, error rows, prompt
 * tokens, generated tokens. Values count successful task attempts (Spark's accumulator rule), so
 * retried partitions are not counted twice in the final figures.
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
        generatedTokens = sc.longAccumulator("spark-llama generated tokens");
    }

    void record(GenerationResult r) {
        rows.add(1);
        if (r.finishReason() == FinishReason.ERROR) {
            errorRows.add(1);
        }
        promptTokens.add(r.promptTokens());
        generatedTokens.add(r.completionTokens());
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
