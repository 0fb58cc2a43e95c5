package io.sparkllama.spark;

import org.apache.spark.sql.Row;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A partition's rows through the executor's engine: reads input rows ahead of its output,
 * keeping up to {@code inFlight} requests at the engine (so one task alone can fill it, and the
 * executor's tasks are batched together), and emits one output row per input row, in input
 * order.
 *
 * @param <R> the engine's result type
 */
final class RowPipeline<R> implements Iterator<Row> {
    /** Builds the output row from the input row, its result and its latency in milliseconds. */
    interface Output<R> {
        Row row(Row input, R result, long latencyMs);
    }

    private record InFlight<R>(Row row, CompletableFuture<R> result, long submittedNanos) {
    }

    private final Iterator<Row> input;
    private final int inFlight;
    private final Function<Row, CompletableFuture<R>> submit;
    private final Output<R> output;
    private final ArrayDeque<InFlight<R>> pending = new ArrayDeque<>();

    RowPipeline(Iterator<Row> input, int inFlight, Function<Row, CompletableFuture<R>> submit, Output<R> output) {
        this.input = input;
        this.inFlight = inFlight;
        this.submit = submit;
        this.output = output;
    }

    @Override
    public boolean hasNext() {
        while (pending.size() < inFlight && input.hasNext()) {
            Row row = input.next();
            pending.add(new InFlight<>(row, submit.apply(row), System.nanoTime()));
        }
        return !pending.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        InFlight<R> f = pending.poll();
        R r = f.result.join();
        return output.row(f.row, r, (System.nanoTime() - f.submittedNanos) / 1_000_000);
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
