package io.sparkllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local generate job stopped with SIGTERM (as {@code kill PID}, or Ctrl-C's SIGINT) ends with
 * one line saying what is committed and how to resume, and a non-zero status; resumed, it
 * completes the output with every id once.
 */
@Timeout(120)
class SignalStopTest {
    private static final int ROWS = 120;

    @TempDir
    Path dir;

    @Test
    void sigtermEndsWithOneLineThenResumeCompletesTheOutput() throws Exception {
        Path input = dir.resolve("prompts.parquet"), output = dir.resolve("out");
        SparkSession local = SparkTests.local(1);
        SampleData.write(local, input.toString(), ROWS);
        List<String> job = List.of("llama.input=" + input, "llama.output=" + output, "llama.model=" + SparkTests.MODEL,
                "llama.max.tokens=32", "llama.commit.rows=20", "llama.progress.seconds=1", "spark.master=local[2]",
                "spark.driver.host=127.0.0.1", "spark.driver.bindAddress=127.0.0.1", "spark.ui.enabled=false");

        DriverProcess d = DriverProcess.start(GenerateJob.class.getName(), job, dir.resolve("stopped.log"));
        assertTrue(d.awaitLine(l -> l.contains("committed chunk 1 of 6"), 90), "no chunk committed:\n" + d.tail());
        d.terminate();
        int status = d.waitFor(30);
        List<String> err = d.stderr();
        String last = err.get(err.size() - 1);
        assertEquals(143, status, "128 + SIGTERM:\n" + d.tail());
        assertTrue(last.matches("spark-llama: stopped by SIGTERM with \\d of 6 chunks committed to " + output
                + " \\(\\d+ rows\\); run again with llama.resume=true to add the other rows"), d.tail());
        assertFalse(err.stream().anyMatch(l -> l.contains("You hit a bug in Spark") || l.contains("Exception")
                || l.contains("ERROR")), "only the one line after the signal:\n" + d.tail());
        assertTrue(d.stdout().isEmpty(), "no summary: " + d.stdout());

        DriverProcess resumed = DriverProcess.start(GenerateJob.class.getName(),
                concat(job, "llama.resume=true"), dir.resolve("resumed.log"));
        assertEquals(0, resumed.waitFor(90), "the resumed job fails:\n" + resumed.tail());
        Dataset<Row> out = local.read().parquet(output.toString());
        Map<Object, List<Object>> byId = SparkTests.byId(out); // throws on a duplicate id
        assertEquals(ROWS, byId.size(), "every id once");
        assertEquals(0, out.where(col("finish_reason").equalTo("error").or(col("completion").isNull())).count(), "no error rows");
        System.err.printf("signal-test: stopped after %.1f s, resumed run %.1f s%n", d.seconds(), resumed.seconds());
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> l = new java.util.ArrayList<>(a);
        l.add(b);
        return l;
    }
}
