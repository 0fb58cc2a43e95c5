package io.sparkllama.spark;

import org.apache.spark.TaskContext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A partition's rows (of any type: {@link Row}s of a Dataset, InternalRows of a SQL operator)
 * through the executor's engine: reads input rows ahead of its output,
 * keeping up to {@code inFlight} requests at the engine (so one task alone can fill it, and the
 * executor's tasks are batched together), and emits one output row per input row, in input
 * order.
 *
 * <p>It never waits unboundedly for the engine: a wait ends when the consuming thread is
 * interrupted or its Spark task is killed (job cancelled, speculative copy killed), and then
 * every request still pending is cancelled, so the engine drops them. {@link #close} does the
 * same for a task that ends without reading every row (a {@code limit()}, a failure); the
 * partition code calls it from the task's completion listener.
 *
 * @param <I> the input row type
 * @param <O> the output row type
 * @param <R> the engine's result type
 */
public class RequestPipeline<I, O, R> implements Iterator<O>, AutoCloseable {
    /** How often a wait checks whether its Spark task was killed (Spark marks the task, and may not interrupt it). */
    public static final long KILL_CHECK_MILLIS = 100;

    /** Builds the output row from the input row, its result and its latency in milliseconds. */
    public interface Output<I, O, R> {
        O row(I input, R result, long latencyMs);
    }

    private record InFlight<I, R>(I row, CompletableFuture<R> result, long submittedNanos) {
    }

    private final Iterator<I> input;
    private final int inFlight;
    private final Function<I, CompletableFuture<R>> submit;
    private final Output<I, O, R> output;
    private final Runnable onClose;
    private final TaskContext task = TaskContext.get();
    /** Requests at the engine, oldest first; the head stays here while it is waited for, so close() can cancel it. */
    private final ArrayDeque<InFlight<I, R>> pending = new ArrayDeque<>();
    private boolean closed;

    /**
     * @param onClose run once when the pipeline closes (all rows read, or {@link #close}): releases what it used
     */
    public RequestPipeline(Iterator<I> input, int inFlight, Function<I, CompletableFuture<R>> submit, Output<I, O, R> output,
                           Runnable onClose) {
        this.input = input;
        this.inFlight = inFlight;
        this.submit = submit;
        this.output = output;
        this.onClose = onClose;
    }

    @Override
    public boolean hasNext() {
        while (size() < inFlight && !isClosed() && input.hasNext()) {
            I row = input.next();
            add(new InFlight<>(row, submit.apply(row), System.nanoTime()));
        }
        if (size() == 0) {
            close(); // every row is out: give the engine back now rather than at the task's end
            return false;
        }
        return true;
    }

    @Override
    public O next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        InFlight<I, R> f = head();
        R r = await(f.result);
        remove(f);
        return output.row(f.row, r, (System.nanoTime() - f.submittedNanos) / 1_000_000);
    }

    /**
     * Cancels every request still at the engine and runs the close action; the pipeline yields no
     * more rows. Safe from any thread, and more than once.
     */
    @Override
    public void close() {
        List<InFlight<I, R>> cancel;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            cancel = new ArrayList<>(pending);
            pending.clear();
        }
        for (InFlight<I, R> f : cancel) {
            f.result.cancel(true);
        }
        onClose.run();
    }

    /** Waits for {@code f}, checking for interruption and for the task being killed. */
    private R await(CompletableFuture<R> f) {
        while (true) {
            if (task != null && task.isInterrupted()) {
                close();
                task.killTaskIfInterrupted(); // TaskKilledException: Spark records the task as killed
            }
            try {
                return f.get(KILL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // not done yet: check for a kill, wait again
            } catch (InterruptedException e) {
                close();
                Thread.currentThread().interrupt();
                if (task != null) {
                    task.killTaskIfInterrupted();
                }
                throw (CancellationException) new CancellationException("interrupted while waiting for the engine; "
                        + "the partition's pending requests are cancelled").initCause(e);
            } catch (ExecutionException e) {
                close(); // the engine failed: the task fails, and Spark retries it
                throw new CompletionException(e.getCause());
            }
        }
    }

    private synchronized int size() {
        return pending.size();
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private synchronized void add(InFlight<I, R> f) {
        if (closed) {
            f.result.cancel(true); // closed by another thread while this request was being submitted
        } else {
            pending.add(f);
        }
    }

    private synchronized InFlight<I, R> head() {
        return pending.peek();
    }

    private synchronized void remove(InFlight<I, R> f) {
        pending.remove(f);
    }
}
