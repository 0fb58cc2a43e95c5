package io.sparkllama.spark;

import io.sparkllama.engine.Engine;
import org.apache.spark.TaskKilled;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks that stop before their rows are done: a {@code limit()} that stops reading a partition,
 * and a cancelled job whose tasks wait for requests that never complete. Neither may leave a
 * task hanging or requests at the engine.
 */
@Timeout(120)
class TaskCancellationTest extends LocalSparkTest {
    /** The requests of {@link NeverAnswered} tasks (local mode: the tasks run in this JVM). */
    private static final List<CompletableFuture<Row>> REQUESTS = new CopyOnWriteArrayList<>();

    /** A partition whose requests are never answered, as with an engine that is stuck or very slow. */
    static final class NeverAnswered implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            RowPipeline<Row> p = new RowPipeline<>(rows, 4, row -> {
                CompletableFuture<Row> f = new CompletableFuture<>();
                REQUESTS.add(f);
                return f;
            }, (row, result, latencyMs) -> result, () -> { });
            TaskResources.closeOnCompletion(p::close); // as GenerationPartition and ScoringPartition do
            return p;
        }
    }

    private static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "within " + seconds + " s: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void aLimitThatStopsAPartitionEarlyLeavesNoRequestAtTheEngine() throws Exception {
        LlamaGenerator generator = new LlamaGenerator().setModel(SparkTests.MODEL).setMaxTokens(400).setTemperature(0)
                .setMaxSequences(4);
        // the two rows the limit takes are quick; the rows read ahead with them are long
        Dataset<Row> prompts = spark.createDataFrame(SampleData.rows(300), SampleData.schema()).coalesce(1)
                .withColumn("max_tokens", functions.when(functions.col("id").leq(2), 1).otherwise(400));
        List<Row> rows = generator.transform(prompts).limit(2).collectAsList();
        assertEquals(2, rows.size());

        EngineSpec spec = generator.engineSpec();
        Engine engine = EngineRegistry.loadedEngine(spec);
        assertNotNull(engine, "the task's engine is kept for the next task");
        await("the task gives its lease back", 5, () -> EngineRegistry.leases(spec) == 0);
        await("no request is left running or waiting at the engine", 10,
                () -> engine.stats().active() == 0 && engine.stats().waiting() == 0);
        Engine.Stats stats = engine.stats();
        // completed counts every request the engine retired, dropped ones included; the task read ahead
        // 2 x maxSequences rows plus one per row it handed out, so at most 11 of the 300 reached the engine
        assertTrue(stats.completed() <= 2 * 4 + 3, "not all 300 rows reached the engine: " + stats);
        // the long rows read ahead (a few hundred tokens each) were still running or waiting when the task stopped
        assertTrue(stats.abandoned() > 0, "the rows read ahead were dropped when the limit stopped the task: " + stats);
    }

    @ParameterizedTest(name = "interruptOnCancel={0}")
    @ValueSource(booleans = {false, true})
    void aCancelledJobEndsTasksWaitingForTheEngineAndCancelsTheirRequests(boolean interruptOnCancel) throws Exception {
        REQUESTS.clear();
        List<Object> taskEnds = new CopyOnWriteArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskType().equals("ResultTask")) { // not the shuffle's map tasks
                    taskEnds.add(end.reason());
                }
            }
        };
        spark.sparkContext().addSparkListener(listener);
        ExecutorService driver = Executors.newSingleThreadExecutor();
        try {
            Dataset<Row> rows = spark.createDataFrame(SampleData.rows(100), SampleData.schema()).repartition(2);
            Future<List<Row>> job = driver.submit(() -> {
                spark.sparkContext().setJobGroup("stuck", "requests never answered", interruptOnCancel);
                return rows.mapPartitions(new NeverAnswered(), Encoders.row(SampleData.schema())).collectAsList();
            });
            await("both tasks fill their pipelines", 30, () -> REQUESTS.size() >= 8);
            long t0 = System.nanoTime();
            spark.sparkContext().cancelJobGroup("stuck");
            ExecutionException failed = assertThrows(ExecutionException.class, () -> job.get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(failed.getCause().getMessage()).contains("cancelled"), failed.getCause().toString());
            await("both tasks end as killed", 10, () -> taskEnds.size() == 2);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "the tasks end promptly");
            for (Object reason : taskEnds) {
                assertTrue(reason instanceof TaskKilled, "recorded as killed, not failed: " + reason);
            }
            assertEquals(8, REQUESTS.size(), "nothing is submitted after the kill");
            for (CompletableFuture<Row> f : REQUESTS) {
                assertTrue(f.isCancelled(), "every pending request is cancelled");
            }
        } finally {
            driver.shutdownNow();
            spark.sparkContext().removeSparkListener(listener);
        }
    }
}
