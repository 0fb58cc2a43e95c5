package io.sparkllama.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RowPipeline outside Spark, with request futures the test controls instead of an engine. */
@Timeout(20)
class RowPipelineTest {
    /** Futures handed out by the pipeline's submit function, in submission order. */
    private final List<CompletableFuture<String>> submitted = new CopyOnWriteArrayList<>();
    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicReference<Throwable> thrown = new AtomicReference<>();
    private final AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();

    private static Iterator<Row> rows(int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create((long) i));
        }
        return rows.iterator();
    }

    /** A pipeline whose requests never complete unless the test completes them. */
    private RowPipeline<String> pipeline(int rows, int inFlight) {
        return new RowPipeline<>(rows(rows), inFlight, row -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            submitted.add(f);
            return f;
        }, (row, result, latency) -> RowFactory.create(row.getLong(0), result), closes::incrementAndGet);
    }

    /**
     * Starts a thread that asks {@code p} for a row, keeping what it throws and whether it was
     * still interrupted, and returns once it waits for the first of {@code inFlight} requests.
     */
    private Thread waitingConsumer(RowPipeline<String> p, int inFlight) throws InterruptedException {
        Thread t = new Thread(() -> {
            try {
                p.next();
            } catch (Throwable e) {
                thrown.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        while (submitted.size() < inFlight) {
            Thread.sleep(5);
        }
        Thread.sleep(50);
        return t;
    }

    private static void assertEnds(Thread consumer) throws InterruptedException {
        consumer.join(2_000);
        assertFalse(consumer.isAlive(), "next() returns instead of waiting on");
    }

    private void assertAllCancelled() {
        for (CompletableFuture<String> f : submitted) {
            assertTrue(f.isCancelled(), "every pending request is cancelled");
        }
    }

    @Test
    void rowsComeOutInInputOrderWhateverOrderTheirResultsArriveIn() {
        // the later rows finish first: row i completes after (20 - i) * 2 ms
        RowPipeline<String> p = new RowPipeline<>(rows(20), 8, row -> {
            long i = row.getLong(0);
            return CompletableFuture.supplyAsync(() -> "r" + i,
                    CompletableFuture.delayedExecutor((20 - i) * 2, TimeUnit.MILLISECONDS));
        }, (row, result, latency) -> RowFactory.create(row.getLong(0), result), closes::incrementAndGet);
        List<Long> ids = new ArrayList<>();
        while (p.hasNext()) {
            Row r = p.next();
            assertEquals("r" + r.getLong(0), r.getString(1));
            ids.add(r.getLong(0));
        }
        List<Long> want = new ArrayList<>();
        for (long i = 0; i < 20; i++) {
            want.add(i);
        }
        assertEquals(want, ids);
        assertEquals(1, closes.get(), "the pipeline releases what it holds once its rows are all out");
    }

    @Test
    void interruptingTheConsumerEndsNextPromptlyAndCancelsEveryPendingRequest() throws Exception {
        RowPipeline<String> p = pipeline(100, 6);
        Thread consumer = waitingConsumer(p, 6);
        long t0 = System.nanoTime();
        consumer.interrupt();
        assertEnds(consumer);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
        assertInstanceOf(CancellationException.class, thrown.get());
        assertInstanceOf(InterruptedException.class, thrown.get().getCause());
        assertTrue(stillInterrupted.get(), "the interrupt status is kept for the caller");
        assertEquals(6, submitted.size(), "nothing is submitted after the interruption");
        assertAllCancelled();
        assertEquals(1, closes.get());
        assertFalse(p.hasNext());
    }

    @Test
    void closeCancelsEveryPendingRequestOnceAndEndsThePipeline() {
        RowPipeline<String> p = pipeline(10, 4);
        assertTrue(p.hasNext());
        assertEquals(4, submitted.size(), "reads ahead up to inFlight requests");
        p.close();
        p.close();
        assertAllCancelled();
        assertEquals(1, closes.get(), "the close action runs once");
        assertFalse(p.hasNext());
        assertEquals(4, submitted.size(), "a closed pipeline submits nothing more");
    }

    @Test
    void closeFromAnotherThreadWakesAWaitingConsumer() throws Exception {
        RowPipeline<String> p = pipeline(10, 3);
        Thread consumer = waitingConsumer(p, 3);
        p.close(); // what a task completion listener does
        assertEnds(consumer);
        assertInstanceOf(CancellationException.class, thrown.get());
        assertAllCancelled();
    }

    @Test
    void anEngineFailureFailsTheConsumerAndCancelsTheOtherRequests() {
        RowPipeline<String> p = pipeline(10, 5);
        assertTrue(p.hasNext());
        IllegalStateException failure = new IllegalStateException("engine step failed");
        submitted.get(0).completeExceptionally(failure);
        CompletionException e = assertThrows(CompletionException.class, p::next);
        assertEquals(failure, e.getCause());
        assertAllCancelledButTheFirst();
        assertEquals(1, closes.get());
    }

    private void assertAllCancelledButTheFirst() {
        assertTrue(submitted.get(0).isCompletedExceptionally());
        for (CompletableFuture<String> f : submitted.subList(1, submitted.size())) {
            assertTrue(f.isCancelled());
        }
    }
}
