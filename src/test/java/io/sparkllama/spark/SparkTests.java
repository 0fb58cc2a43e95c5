package io.sparkllama.spark;

import io.sparkllama.testing.Shared;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Spark sessions and helpers for the Spark tests (see ../shared/SPARK-NOTES.md for what works here). */
final class SparkTests {
    static final String MODEL = Shared.model("stories260K.gguf").toString();

    private SparkTests() {
    }

    /** A local session with {@code cores} task threads, bound to 127.0.0.1, UI off. */
    static SparkSession local(int cores) {
        return base("local[" + cores + "]").getOrCreate();
    }

    static SparkSession.Builder base(String master) {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        return SparkSession.builder().master(master).appName("spark-llama tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.warehouse.dir", target.resolve("spark-warehouse").toString())
                .config("spark.ui.showConsoleProgress", "false");
    }

    /**
     * A {@code local-cluster[executors,1,1024]} session: a master and workers in this JVM that
     * start real executor JVMs, which get the test classpath.
     */
    static SparkSession localCluster(int executors) throws IOException {
        return localCluster(executors, Map.of());
    }

    /** {@link #localCluster(int)} with more settings (e.g. {@code spark.files}, what {@code --files} sets). */
    static SparkSession localCluster(int executors, Map<String, String> settings) throws IOException {
        Path sparkHome = Path.of(System.getenv().getOrDefault("SPARK_HOME", "target/spark-home"));
        Files.createDirectories(sparkHome.resolve("jars"));
        return base("local-cluster[" + executors + ",1,1024]")
                .config("spark.executor.extraClassPath", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")))
                .config("spark.executor.memory", "1g")
                .config(new org.apache.spark.SparkConf(false).setAll(scala.jdk.javaapi.CollectionConverters.asScala(settings)))
                .getOrCreate();
    }

    /** Rows by id, without the latency column (which is wall time, not output). */
    static Map<Object, List<Object>> byId(Dataset<Row> df) {
        Map<Object, List<Object>> out = new TreeMap<>(Comparator.comparing(String::valueOf));
        String[] cols = df.columns();
        for (Row r : df.collectAsList()) {
            List<Object> values = new java.util.ArrayList<>();
            Object id = null;
            for (int i = 0; i < cols.length; i++) {
                if (cols[i].equals("id")) {
                    id = r.get(i);
                } else if (!cols[i].equals(OutputColumns.LATENCY_MS)) {
                    values.add(r.get(i));
                }
            }
            if (out.put(id, values) != null) {
                throw new AssertionError("duplicate id " + id);
            }
        }
        return out;
    }

    static void deleteRecursively(Path p) throws IOException {
        if (Files.exists(p)) {
            try (var s = Files.walk(p)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
