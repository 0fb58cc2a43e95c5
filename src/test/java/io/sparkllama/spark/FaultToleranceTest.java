package io.sparkllama.spark;

import io.sparkllama.json.Json;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures on a real standalone cluster (a master and two one-core workers, each driver in its
 * own JVM): an executor killed with {@code kill -9} mid-job, and the driver killed mid-job and
 * the job resumed. Either way every input id is in the output exactly once and the output equals
 * an uninterrupted run's bit for bit. Tagged "cluster" so it can run alone
 * ({@code mvn test -Dgroups=cluster}); the figures it prints are in docs/RELIABILITY.md.
 */
@Tag("cluster")
@Timeout(900)
class FaultToleranceTest {
    private static final int ROWS = 2000;
    private static final Pattern PROGRESS = Pattern.compile("spark-llama progress: (\\d+)/(\\d+) rows");

    @TempDir
    static Path dir;
    private static SparkSession local;
    private static StandaloneCluster cluster;
    private static Path input;
    private static Map<Object, List<Object>> uninterrupted;
    private static double uninterruptedSeconds;

    @BeforeAll
    static void start() throws Exception {
        local = SparkTests.local(1);
        input = dir.resolve("prompts.parquet");
        SampleData.write(local, input.toString(), ROWS);
        Path clusterDir = Path.of("target", "fault-cluster").toAbsolutePath();
        SparkTests.deleteRecursively(clusterDir);
        cluster = StandaloneCluster.start(clusterDir);
        Path output = dir.resolve("uninterrupted");
        DriverProcess d = DriverProcess.start(GenerateJob.class.getName(), job(output), clusterDir.resolve("uninterrupted.log"));
        assertEquals(0, d.waitFor(600), "uninterrupted run failed:\n" + d.tail());
        uninterruptedSeconds = summary(d).get("seconds") instanceof Number n ? n.doubleValue() : Double.NaN;
        uninterrupted = SparkTests.byId(local.read().parquet(output.toString()));
        assertEquals(ROWS, uninterrupted.size());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (local != null) {
            local.stop();
        }
    }

    /** The job's arguments: the generate job's defaults plus this cluster, small tasks and frequent progress. */
    private static List<String> job(Path output, String... extra) {
        List<String> a = new ArrayList<>(List.of(
                "llama.input=" + input, "llama.output=" + output, "llama.model=" + SparkTests.MODEL,
                "llama.max.tokens=200", "llama.partitions=16", "llama.progress.seconds=1",
                "spark.master=" + cluster.masterUrl(), "spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1",
                "spark.ui.enabled=false", "spark.executor.memory=1g", "spark.executor.cores=1", "spark.cores.max=2",
                "spark.executor.extraClassPath=" + DriverProcess.classpath()));
        a.addAll(List.of(extra));
        return a;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summary(DriverProcess d) {
        List<String> out = d.stdout();
        assertTrue(!out.isEmpty(), "the driver printed no summary; stderr tail:\n" + d.tail());
        return (Map<String, Object>) Json.parse(out.get(out.size() - 1));
    }

    private static long progressRows(String line) {
        Matcher m = PROGRESS.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    @Test
    void executorKilledMidJobLosesAndDuplicatesNothing() throws Exception {
        Path output = dir.resolve("executor-killed");
        DriverProcess d = DriverProcess.start(GenerateJob.class.getName(), job(output, "llama.overwrite=true"),
                cluster.dir().resolve("executor-killed.log"));
        assertTrue(d.awaitLine(l -> progressRows(l) >= ROWS / 8, 300), "no progress:\n" + d.tail());
        List<ProcessHandle> executors = cluster.executors(1);
        assertEquals(1, executors.size(), "one executor on worker 1");
        ProcessHandle executor = executors.get(0);
        DriverProcess.Kill.nine(executor.pid());
        executor.onExit().get(30, TimeUnit.SECONDS); // throws TimeoutException if it survived
        assertEquals(0, d.waitFor(600), "the job fails:\n" + d.tail());

        Map<String, Object> s = summary(d);
        assertEquals(ROWS, number(s, "rows"), "only successful task attempts count: " + s);
        assertTrue(number(s, "failed_tasks") >= 1, "the lost task is retried: " + s);
        assertTrue(number(s, "lost_executors") >= 1, "the executor loss is seen: " + s);
        Map<Object, List<Object>> got = SparkTests.byId(local.read().parquet(output.toString())); // throws on a duplicate id
        assertEquals(ROWS, got.size(), "every id once");
        assertEquals(uninterrupted, got, "the output equals the uninterrupted run's bit for bit");
        System.err.printf(Locale.ROOT, "fault-test: executor kill: job %.1f s (uninterrupted %.1f s), failed task attempts (retried): %d, "
                + "executors lost: %d%n", ((Number) s.get("seconds")).doubleValue(), uninterruptedSeconds,
                number(s, "failed_tasks"), number(s, "lost_executors"));
    }

    @Test
    void driverKilledMidJobThenResumed() throws Exception {
        Path output = dir.resolve("driver-killed");
        DriverProcess d = DriverProcess.start(GenerateJob.class.getName(),
                job(output, "llama.overwrite=true", "llama.commit.rows=500"), cluster.dir().resolve("driver-killed.log"));
        assertTrue(d.awaitLine(l -> l.contains("committed chunk 1 of 4"), 300), "no chunk committed:\n" + d.tail());
        // kill while the next chunk has tasks committed but the chunk itself is not: the hardest moment for resume
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!hasCommittedTask(output) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(hasCommittedTask(output), "no task of the second chunk committed in time:\n" + d.tail());
        d.kill9();
        long written = local.read().parquet(output.toString()).count();
        assertTrue(written >= 400 && written < ROWS, "a part of the output is committed: " + written);

        DriverProcess resumed = DriverProcess.start(GenerateJob.class.getName(),
                job(output, "llama.resume=true", "llama.commit.rows=500"), cluster.dir().resolve("driver-resumed.log"));
        assertEquals(0, resumed.waitFor(600), "the resumed job fails:\n" + resumed.tail());
        assertTrue(resumed.awaitLine(l -> l.contains("removed the unfinished writes of an earlier run"), 1),
                "the killed run's _temporary is removed (its committed task files would duplicate ids):\n" + resumed.tail());
        Map<String, Object> s = summary(resumed);
        assertEquals(written, number(s, "skipped_rows"), "the committed rows are skipped: " + s);
        assertEquals(ROWS - written, number(s, "rows"), "only the missing rows run: " + s);
        Map<Object, List<Object>> got = SparkTests.byId(local.read().parquet(output.toString())); // throws on a duplicate id
        assertEquals(ROWS, got.size(), "every id once");
        assertEquals(uninterrupted, got, "the output equals the uninterrupted run's bit for bit");
        System.err.printf(Locale.ROOT, "fault-test: driver kill: %d rows were committed before the kill; resume ran %d rows in %.1f s%n",
                written, number(s, "rows"), ((Number) s.get("seconds")).doubleValue());
    }

    /** Whether a task of the chunk being written has committed its file (the chunk itself has not). */
    private static boolean hasCommittedTask(Path output) throws IOException {
        Path pending = output.resolve("_temporary").resolve("0");
        if (!Files.isDirectory(pending)) {
            return false;
        }
        try (Stream<Path> s = Files.list(pending)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("task_"));
        } catch (IOException e) {
            return false; // the directory went away while listing (the chunk committed)
        }
    }
}
