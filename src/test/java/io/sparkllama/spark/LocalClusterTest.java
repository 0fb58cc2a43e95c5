package io.sparkllama.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real executor JVMs ({@code local-cluster[2,1,1024]}): each loads the engine exactly once,
 * and the output equals a {@code local[2]} run's; a model shipped with the job and named by its
 * file name is found by the executors.
 */
@Timeout(300)
class LocalClusterTest {
    @TempDir
    Path dir;

    private static final int ROWS = 160;

    private static Map<Object, List<Object>> generate(SparkSession spark, Path input) {
        return generate(spark, input, SparkTests.MODEL, ROWS);
    }

    private static Map<Object, List<Object>> generate(SparkSession spark, Path input, String model, int rows) {
        Dataset<Row> prompts = spark.read().parquet(input.toString()).where("id <= " + rows).repartition(8);
        Dataset<Row> out = new LlamaGenerator().setModel(model).setMaxTokens(20).setSeed(3)
                .setMaxSequences(8).transform(prompts);
        return SparkTests.byId(out);
    }

    @Test
    void oneEnginePerExecutorAndTheSameOutputAsLocalMode() throws Exception {
        Path input = dir.resolve("prompts.parquet");
        Map<Object, List<Object>> cluster;
        Map<Object, List<Object>> shipped;
        Map<String, Integer> loadsByJvm = new HashMap<>();
        // a model shipped as spark-submit --files does, to be named by its file name alone
        Path copy = dir.resolve(ShippedModelTest.SHIPPED_NAME);
        Files.copy(Path.of(SparkTests.MODEL), copy);
        SparkSession spark = SparkTests.localCluster(2, Map.of("spark.files", copy.toString()));
        try {
            SampleData.write(spark, input.toString(), ROWS);
            cluster = generate(spark, input);
            // ask every executor how many engines its JVM loaded
            MapPartitionsFunction<Long, String> probe = it -> List.of(
                    ManagementFactory.getRuntimeMXBean().getName() + "=" + EngineRegistry.loads()).iterator();
            List<String> reports = spark.range(0, 64, 1, 16).as(Encoders.LONG()).mapPartitions(probe, Encoders.STRING())
                    .collectAsList();
            for (String r : reports) {
                String[] kv = r.split("=");
                loadsByJvm.put(kv[0], Integer.parseInt(kv[1]));
            }
            shipped = generate(spark, input, ShippedModelTest.SHIPPED_NAME, 24);
        } finally {
            spark.stop();
        }
        assertEquals(ROWS, cluster.size());
        assertEquals(2, loadsByJvm.size(), "two executor JVMs: " + loadsByJvm);
        assertTrue(!loadsByJvm.containsKey(ManagementFactory.getRuntimeMXBean().getName()), "executors are separate JVMs");
        loadsByJvm.forEach((jvm, loads) -> assertEquals(1, loads, "engine loads in " + jvm));
        assertEquals(24, shipped.size());
        shipped.forEach((id, row) -> assertEquals(cluster.get(id), row, "row " + id + " with the shipped model"));

        SparkSession local = SparkTests.local(2);
        try {
            assertEquals(generate(local, input), cluster, "local[2] gives the same rows as two executors");
        } finally {
            local.stop();
        }
    }
}
