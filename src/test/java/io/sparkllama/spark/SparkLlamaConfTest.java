package io.sparkllama.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** spark.llama.* keys of the session's conf: below what is set explicitly, above the defaults; unknown keys warn. */
@Timeout(300)
class SparkLlamaConfTest extends LocalSparkTest {

    private static Dataset<Row> prompts() {
        return spark.createDataFrame(SampleData.rows(8), SampleData.schema()).repartition(2);
    }

    private static int mostTokens(Dataset<Row> out) {
        return out.agg(org.apache.spark.sql.functions.max("completion_tokens")).first().getInt(0);
    }

    /** Runs {@code body} with {@code key} set in the session's conf, then unsets it. */
    private static void withSetting(String key, String value, ThrowingRunnable body) throws Exception {
        spark.conf().set(key, value);
        try {
            body.run();
        } finally {
            spark.conf().unset(key);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void sessionSettingsReachATransformerUnlessItsParamIsSet() throws Exception {
        withSetting("spark.llama.max.tokens", "3", () -> withSetting("spark.llama.model", SparkTests.MODEL, () -> {
            LlamaGenerator fromSession = new LlamaGenerator().setTemperature(0); // model and maxTokens from the conf
            assertEquals(3, mostTokens(fromSession.transform(prompts())));
            assertEquals(3, fromSession.settings().sampling(0).maxTokens());
            assertTrue(mostTokens(new LlamaGenerator().setTemperature(0).setMaxTokens(12).transform(prompts())) > 3,
                    "an explicitly set param wins over the session's setting");
        }));
        withSetting("spark.llama.max.tokens", "lots", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new LlamaGenerator().setModel(SparkTests.MODEL).settings());
            assertTrue(e.getMessage().contains("spark.llama.max.tokens"), e.getMessage());
        });
    }

    @Test
    void sessionSettingsReachTheJobUnlessTheConfigurationSetsTheKey() throws Exception {
        Path input = dir.resolve("conf-in.parquet");
        SampleData.write(spark, input.toString(), 8);
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);
        withSetting("spark.llama.max.tokens", "3", () -> withSetting("spark.llama.temprature", "0", () -> {
            Path out = dir.resolve("conf-out-session");
            GenerateJob.run(spark, config(input, out), log);
            assertEquals(3, mostTokens(spark.read().parquet(out.toString())));
            assertTrue(logged.toString(StandardCharsets.UTF_8).contains(
                    "unknown setting spark.llama.temprature is ignored; did you mean spark.llama.temperature?"), logged.toString());

            Path explicit = dir.resolve("conf-out-explicit");
            GenerateJob.run(spark, config(input, explicit, "llama.max.tokens=12"), log);
            assertTrue(mostTokens(spark.read().parquet(explicit.toString())) > 3, "a key=value override wins over the session's setting");

            JobConfig given = config(input, explicit, "spark.llama.max.tokens=4").inSession(spark, log);
            assertEquals(4, given.getInt("llama.max.tokens", 0, 100), "spark.llama.x given to the job is its llama.x");
            assertTrue(given.sparkSettings().isEmpty());
        }));
    }

    @Test
    void theShippedDefaultFileYieldsToTheSessionButAGivenConfigFileDoesNot() throws Exception {
        Path file = dir.resolve("defaults.properties");
        java.nio.file.Files.writeString(file, "llama.max.tokens=128\nllama.temperature=0.8\nspark.sql.shuffle.partitions=3\n");
        withSetting("spark.llama.max.tokens", "5", () -> {
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
            JobConfig shipped = JobConfig.parse(new String[] {"llama.temperature=0.1"}, file, GenerateJob.KEYS).inSession(spark, quiet);
            assertEquals(5, shipped.getInt("llama.max.tokens", 0, 1000), "the session's setting beats the shipped file");
            assertEquals("0.1", shipped.get("llama.temperature"), "an argument beats everything");
            assertEquals("3", shipped.sparkSettings().get("spark.sql.shuffle.partitions"), "the file's spark.* keys still apply");
            JobConfig given = JobConfig.parse(new String[] {"--config", file.toString()}, file, GenerateJob.KEYS)
                    .inSession(spark, quiet);
            assertEquals(128, given.getInt("llama.max.tokens", 0, 1000), "a file given with --config beats the session");
            JobConfig noSession = JobConfig.parse(new String[0], file, GenerateJob.KEYS);
            assertEquals(128, noSession.getInt("llama.max.tokens", 0, 1000), "the shipped file beats the built-in default");
        });
    }

    private static JobConfig config(Path input, Path output, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("llama.input=" + input, "llama.output=" + output,
                "llama.model=" + SparkTests.MODEL, "llama.partitions=2", "llama.temperature=0", "llama.overwrite=true"));
        args.addAll(List.of(more));
        return JobConfig.parse(args.toArray(String[]::new), null, GenerateJob.KEYS);
    }

    @Test
    void unknownKeysWarnOnceWithTheNearestKnownKeyAndNeverFail() throws Exception {
        withSetting("spark.llama.max.tokenz", "5", () -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
            List<String> lines = SparkLlamaConf.warnUnknown(SparkLlamaConf.of(spark), ps);
            assertEquals(List.of("spark-llama: warning: unknown setting spark.llama.max.tokenz is ignored; "
                    + "did you mean spark.llama.max.tokens?"), lines);
            assertEquals(List.of(), SparkLlamaConf.warnUnknown(SparkLlamaConf.of(spark), ps), "once per key");
            assertEquals(8, new LlamaGenerator().setModel(SparkTests.MODEL).setMaxTokens(2).transform(prompts()).count());
        });
        assertEquals("spark.llama.engine.idleTimeout", SparkLlamaConf.nearest("spark.llama.engine.idletimeout",
                SparkLlamaConf.knownKeys()));
        assertEquals(3, SparkLlamaConf.editDistance("kitten", "sitting"));
        assertTrue(SparkLlamaConf.knownKeys().containsAll(SparkLlamaConf.PARAM_KEYS.values().stream()
                .map(SparkLlamaConf::sparkKey).toList()));
    }

    @Test
    void everyParamOfTheTransformersHasASparkConfKey() {
        for (LlamaTransformer<?> t : List.of(new LlamaGenerator(), new LlamaScorer(), new LlamaChooser())) {
            for (org.apache.spark.ml.param.Param<?> p : t.params()) {
                assertTrue(SparkLlamaConf.PARAM_KEYS.containsKey(p.name()), t.getClass().getSimpleName() + "." + p.name());
            }
        }
    }

    @Test
    void aMissingModelFailsTransformOnTheDriverNamingThePath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LlamaGenerator().setModel("/no/such/model.gguf").transform(prompts()));
        assertEquals("LlamaGenerator: /no/such/model.gguf: no such file", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LlamaScorer().setModel("/no/such/model.gguf").setContinuationCol("prompt").transform(prompts()));
        assertTrue(e.getMessage().contains("/no/such/model.gguf: no such file"), e.getMessage());
    }

    @Test
    void engineThreadsFollowTheExecutorsCoresNeverTheWholeNodeOnACluster() {
        assertEquals(3, EngineRegistry.executorCores(conf("spark://h:7077").set("spark.executor.cores", "3"), "", 64));
        assertEquals(4, EngineRegistry.executorCores(conf("local[4]"), "", 64));
        assertEquals(4, EngineRegistry.executorCores(conf("local[4,2]"), "", 64));
        assertEquals(64, EngineRegistry.executorCores(conf("local[*]"), "", 64));
        assertEquals(1, EngineRegistry.executorCores(conf("local"), "", 64));
        assertEquals(2, EngineRegistry.executorCores(conf("local-cluster[2,2,1024]"), "", 64));
        String executor = "org.apache.spark.executor.CoarseGrainedExecutorBackend --driver-url spark://x:1 --executor-id 1 "
                + "--hostname h --cores 6 --app-id app-1";
        assertEquals(6, EngineRegistry.executorCores(conf("spark://h:7077"), executor, 64));
        assertEquals(6, EngineRegistry.executorCores(conf("yarn"), executor, 64));
        assertEquals(1, EngineRegistry.executorCores(conf("yarn"), "SparkSubmit --executor-cores 8", 64), "one task slot");
        assertEquals(2, EngineRegistry.executorCores(conf("k8s://h").set("spark.task.cpus", "2"), "", 64));
    }

    private static SparkConf conf(String master) {
        return new SparkConf(false).set("spark.master", master);
    }
}
