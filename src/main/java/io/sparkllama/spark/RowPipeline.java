package io.sparkllama.spark;

import org.apache.spark.sql.Row;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@link RequestPipeline} over a Dataset's {@link Row}s: what the transformers' partitions run.
 *
 * @param <R> the engine's result type
 */
final class RowPipeline<R> extends RequestPipeline<Row, Row, R> {

    /** Builds the output row from the input row, its result and its latency in milliseconds. */
    interface Output<R> extends RequestPipeline.Output<Row, Row, R> {
    }

    /**
     * @param onClose run once when the pipeline closes (all rows read, or {@link #close}): releases what it used
     */
    RowPipeline(Iterator<Row> input, int inFlight, Function<Row, CompletableFuture<R>> submit, Output<R> output,
                Runnable onClose) {
        super(input, inFlight, submit, output, onClose);
    }

    /** A Java list as the Scala sequence Spark's row encoder expects for an array column. */
    static scala.collection.immutable.Seq<Object> seq(java.util.List<?> values) {
        return scala.jdk.javaapi.CollectionConverters.asScala(new java.util.ArrayList<Object>(values)).toList();
    }

    /** The input row's values followed by {@code extra}. */
    static Object[] append(Row row, Object... extra) {
        Object[] out = new Object[row.size() + extra.length];
        for (int i = 0; i < row.size(); i++) {
            out[i] = row.get(i);
        }
        System.arraycopy(extra, 0, out, row.size(), extra.length);
        return out;
    }
}
