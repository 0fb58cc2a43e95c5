package io.sparkllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model shipped with the job ({@code --files}, {@code SparkContext.addFile}) is named by its
 * file name alone; a relative path that is not shipped is made absolute on the driver. (Executors
 * in other JVMs: {@link LocalClusterTest}.)
 */
@Timeout(120)
class ShippedModelTest extends LocalSparkTest {
    static final String SHIPPED_NAME = "shipped-stories260K.gguf";

    static LlamaGenerator generator(String model) {
        return new LlamaGenerator().setModel(model).setMaxTokens(12).setSeed(5).setMaxSequences(4);
    }

    @Test
    void aShippedModelIsFoundByItsNameAndGivesTheSameRows() throws Exception {
        Path copy = dir.resolve(SHIPPED_NAME);
        Files.copy(Path.of(SparkTests.MODEL), copy);
        assertFalse(Files.exists(Path.of(SHIPPED_NAME)), "the name alone names no file in the working directory");
        spark.sparkContext().addFile(copy.toString());

        assertEquals(SHIPPED_NAME, generator(SHIPPED_NAME).engineSpec().model(), "a shipped name is broadcast as it is");
        Dataset<Row> prompts = spark.createDataFrame(SampleData.rows(24), SampleData.schema()).repartition(2);
        Map<Object, List<Object>> shipped = SparkTests.byId(generator(SHIPPED_NAME).transform(prompts));
        Map<Object, List<Object>> direct = SparkTests.byId(generator(SparkTests.MODEL).transform(prompts));
        assertEquals(24, shipped.size());
        assertEquals(direct, shipped);
    }

    @Test
    void aRemoteModelIsCopiedIntoTheLocalDirsAndGivesTheSameRows() throws Exception {
        Path remote = dir.resolve("remote-stories260K.gguf");
        Files.copy(Path.of(SparkTests.MODEL), remote);
        String location = RemoteTestFileSystem.SCHEME + "://" + remote.toAbsolutePath();
        Dataset<Row> prompts = spark.createDataFrame(SampleData.rows(8), SampleData.schema());
        int opens = RemoteTestFileSystem.OPENS.get();
        Map<Object, List<Object>> fetched = SparkTests.byId(generator(location).transform(prompts));
        assertEquals(SparkTests.byId(generator(SparkTests.MODEL).transform(prompts)), fetched);
        assertEquals(opens + 1, RemoteTestFileSystem.OPENS.get(), "copied once");

        Path cache = EngineRegistry.modelCacheDir(org.apache.spark.SparkEnv.get().conf());
        try (var copies = Files.walk(cache)) {
            List<Path> found = copies.filter(p -> p.getFileName().toString().equals(remote.getFileName().toString())).toList();
            assertEquals(1, found.size(), "one copy under " + cache);
            assertEquals(Files.size(remote), Files.size(found.get(0)));
            EngineRegistry.closeIdle();
            Files.delete(found.get(0).resolveSibling(remote.getFileName() + ".crc32c"));
            Files.delete(found.get(0));
        }
    }

    @Test
    void theModelCacheIsUnderSparksFirstLocalDir() {
        org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf(false)
                .set("spark.local.dir", dir.resolve("a") + "," + dir.resolve("b"));
        String env = System.getenv("SPARK_LOCAL_DIRS"); // Spark prefers it to spark.local.dir
        Path first = env != null ? Path.of(env.split(",")[0]) : dir.resolve("a");
        assertEquals(first.resolve("spark-llama-models"), EngineRegistry.modelCacheDir(conf));
    }

    @Test
    void aRelativePathIsMadeAbsoluteAndAMissingOneIsNamed() {
        Path relative = Path.of("").toAbsolutePath().relativize(Path.of(SparkTests.MODEL).toAbsolutePath());
        assertFalse(relative.isAbsolute());
        assertEquals(Path.of(SparkTests.MODEL).toAbsolutePath().normalize().toString(),
                generator(relative.toString()).engineSpec().model());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> generator("not-shipped.gguf").transform(spark.createDataFrame(SampleData.rows(2), SampleData.schema())));
        assertTrue(e.getMessage().contains("not-shipped.gguf"), e.getMessage());
    }

    @Test
    void shippedNamesFollowSparkAndYarnConventions() {
        assertEquals("m.gguf", ModelLocations.shippedName("hdfs://nn/models/m.gguf"));
        assertEquals("m.gguf", ModelLocations.shippedName("file:/tmp/m.gguf"));
        assertEquals("alias.gguf", ModelLocations.shippedName("hdfs://nn/models/m.gguf#alias.gguf"));
        assertEquals("m.gguf", ModelLocations.shippedName("/local/m.gguf"));
    }
}
