package io.sparkllama.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.util.LongAccumulator;
import scala.Tuple4;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Logs a job's progress on the driver every few seconds: rows done, rows/s, output (generated
 * or scored) tokens/s and an ETA. Finished tasks count through the accumulators; running tasks through the
 * accumulator values their executors report in heartbeats, so progress moves within long
 * partitions too. It also counts failed task attempts (Spark retries them) and lost executors,
 * for the job's summary.
 */
final class ProgressReporter extends SparkListener implements AutoCloseable {
    private final SparkContext sc;
    private final JobMetrics metrics;
    private final long totalRows;
    private final String outputName;
    private final PrintStream log;
    private final long startNanos = System.nanoTime();
    /** Latest reported (rows, generated tokens) of each running task. */
    private final Map<Long, long[]> running = new ConcurrentHashMap<>();
    private final Thread thread;
    private final AtomicInteger failedTasks = new AtomicInteger();
    private final AtomicInteger lostExecutors = new AtomicInteger();
    private volatile boolean closed;

    ProgressReporter(SparkContext sc, JobMetrics metrics, long totalRows, String outputName, int periodSeconds, PrintStream log) {
        this.sc = sc;
        this.metrics = metrics;
        this.totalRows = totalRows;
        this.outputName = outputName;
        this.log = log;
        sc.addSparkListener(this);
        thread = new Thread(() -> {
            while (!closed) {
                try {
                    Thread.sleep(periodSeconds * 1000L);
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) {
                    report();
                }
            }
        }, "spark-llama-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        scala.collection.Iterator<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> it =
                update.accumUpdates().iterator();
        while (it.hasNext()) {
            Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> task = it.next();
            long rows = value(task._4(), metrics.rows), tokens = value(task._4(), metrics.generatedTokens);
            running.put((Long) task._1(), new long[] {rows, tokens});
        }
    }

    private static long value(scala.collection.immutable.Seq<AccumulableInfo> infos, LongAccumulator acc) {
        scala.collection.Iterator<AccumulableInfo> it = infos.iterator();
        while (it.hasNext()) {
            AccumulableInfo info = it.next();
            if (info.id() == acc.id() && info.update().isDefined()) {
                Object v = info.update().get();
                return v instanceof Number n ? n.longValue() : 0;
            }
        }
        return 0;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());
        if (end.taskInfo().failed() || end.taskInfo().killed()) {
            failedTasks.incrementAndGet();
        }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        lostExecutors.incrementAndGet();
        log.printf(Locale.ROOT, "spark-llama: lost executor %s (%s); its tasks are retried%n", removed.executorId(), removed.reason());
    }

    /** Task attempts that failed or were killed so far (each is retried by Spark). */
    int failedTasks() {
        return failedTasks.get();
    }

    /** Executors removed so far (crashed, killed, or lost with their host). */
    int lostExecutors() {
        return lostExecutors.get();
    }

    private void report() {
        long rows = metrics.rows(), tokens = metrics.generatedTokens();
        for (long[] r : running.values()) {
            rows += r[0];
            tokens += r[1];
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (rows == 0 && tokens == 0) { // rates of 0 would read as a stall; the first rows finish after loading and warm-up
            log.printf(Locale.ROOT, "spark-llama progress: 0/%d rows after %s: loading the model and warming up%s%n",
                    totalRows, formatSeconds(seconds), running.isEmpty() ? "" : " (" + running.size() + " tasks running)");
            return;
        }
        double rate = rows / seconds;
        String eta = rows == 0 || totalRows <= 0 ? "unknown" : formatSeconds(Math.max(0, totalRows - rows) / rate);
        log.printf(Locale.ROOT, "spark-llama progress: %d/%d rows, %.1f rows/s, %.1f %s tok/s, ETA %s%n",
                rows, totalRows, rate, tokens / seconds, outputName, eta);
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
                : t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        sc.removeSparkListener(this);
    }
}
