package io.sparkllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job entry point: configuration, summary, and resume by id. */
@Timeout(300)
class GenerateJobTest extends LocalSparkTest {

    private static JobConfig config(Path input, Path output, String... more) throws Exception {
        String[] args = new String[more.length + 6];
        args[0] = "llama.input=" + input;
        args[1] = "llama.output=" + output;
        args[2] = "llama.model=" + SparkTests.MODEL;
        args[3] = "llama.max.tokens=16";
        args[4] = "llama.partitions=4";
        args[5] = "llama.progress.seconds=1";
        System.arraycopy(more, 0, args, 6, more.length);
        return JobConfig.parse(args, null, GenerateJob.KEYS);
    }

    private static Set<Long> ids(Path output) {
        return spark.read().parquet(output.toString()).select("id").collectAsList().stream()
                .map(r -> r.getLong(0)).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void resumeAddsOnlyMissingRows() throws Exception {
        Path input = dir.resolve("resume-in.parquet");
        Path output = dir.resolve("resume-out");
        SampleData.write(spark, input.toString(), 120);
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        BatchJob.Summary first = GenerateJob.run(spark, config(input, output, "llama.resume=true"), log);
        assertEquals(120, first.rows());
        assertEquals(120, ids(output).size());
        Map<Object, List<Object>> complete = SparkTests.byId(spark.read().parquet(output.toString()));

        BatchJob.Summary again = GenerateJob.run(spark, config(input, output, "llama.resume=true"), log);
        assertEquals(0, again.rows(), "a finished job writes nothing new");
        assertEquals(120, again.skippedRows());
        assertEquals(120, spark.read().parquet(output.toString()).count());

        // lose some output files, as if part of the job never ran
        List<Path> parts;
        try (var s = Files.list(output)) {
            parts = s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
        assertTrue(parts.size() >= 2, "expected several part files, got " + parts);
        Set<Long> lost = new TreeSet<>(spark.read().parquet(parts.get(0).toString()).select("id").collectAsList()
                .stream().map(r -> r.getLong(0)).toList());
        Files.delete(parts.get(0));
        assertEquals(120 - lost.size(), ids(output).size());

        BatchJob.Summary repaired = GenerateJob.run(spark, config(input, output, "llama.resume=true"), log);
        assertEquals(lost.size(), repaired.rows(), "exactly the missing ids are generated again");
        Dataset<Row> all = spark.read().parquet(output.toString());
        assertEquals(120, all.count());
        assertEquals(complete, SparkTests.byId(all), "the restored rows equal the lost ones bit for bit");
    }

    @Test
    void llamaCppQuantizedModelsRunThroughTheJob() throws Exception {
        // stories260K as llama.cpp's quantizer wrote it: every row completes, and greedily as the
        // engine alone completes the same prompt
        Path input = dir.resolve("quant-in.parquet");
        SampleData.write(spark, input.toString(), 12);
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        for (String type : List.of("Q4_0", "Q4_K_M", "Q5_K_M", "Q8_0")) {
            Path model = io.sparkllama.testing.Shared.model("quant/stories260K-" + type + ".gguf");
            Path output = dir.resolve("quant-out-" + type);
            BatchJob.Summary s = GenerateJob.run(spark, config(input, output, "llama.model=" + model, "llama.temperature=0"), log);
            assertEquals(12, s.rows(), type);
            assertEquals(0, s.errorRows(), type);
            List<Row> rows = spark.read().parquet(output.toString()).select("prompt", "completion").collectAsList();
            io.sparkllama.model.LoadedModel m = io.sparkllama.model.ModelLoader.load(model, null);
            try (io.sparkllama.engine.Engine engine = new io.sparkllama.engine.Engine(m, io.sparkllama.engine.EngineOptions.DEFAULTS)) {
                for (Row r : rows.subList(0, 3)) {
                    String want = engine.generate(io.sparkllama.engine.GenerationRequest.of(r.getString(0),
                            io.sparkllama.engine.SamplingParams.GREEDY.withMaxTokens(16))).text();
                    assertEquals(want, r.getString(1), type + ": " + r.getString(0));
                }
            }
        }
    }

    @Test
    void summaryAndRefusalToOverwrite() throws Exception {
        Path input = dir.resolve("sum-in.parquet");
        Path output = dir.resolve("sum-out");
        SampleData.write(spark, input.toString(), 40);
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        BatchJob.Summary s = GenerateJob.run(spark, config(input, output), log);
        assertEquals(40, s.rows());
        assertEquals(0, s.errorRows());
        assertTrue(s.outputTokens() > 0 && s.promptTokens() > 40);
        assertTrue(s.toJson().contains("\"rows\":40"), s.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerateJob.run(spark, config(input, output), log));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(40, GenerateJob.run(spark, config(input, output, "llama.overwrite=true"), log).rows());
    }

    @Test
    void anEngineTooBigForTheExecutorHeapFailsOnTheDriverWithTheNumbers() throws Exception {
        Path model = Path.of(SparkTests.MODEL);
        // a configured KV memory must fit whole: 2,560 MB does not fit a 1 GB executor
        io.sparkllama.engine.EngineOptions big = io.sparkllama.engine.EngineOptions.DEFAULTS.withContextLength(512)
                .withKvBudgetBytes(2560L << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchJob.checkExecutorHeap(model, big, 1L << 30));
        assertTrue(e.getMessage().contains("KV cache up to 2,560 MB (configured; 16 sequences x 512 positions, f32, blocks of 32"),
                e.getMessage());
        assertTrue(e.getMessage().contains("an executor's heap is 1,024 MB (spark.executor.memory), 724 MB after"), e.getMessage());
        BatchJob.checkExecutorHeap(model, big, 4L << 30); // fits in 4 GB
        // 4096 sequences x 512 positions would be 2,560 MB, but the paged cache shrinks to the heap: one sequence must fit
        BatchJob.checkExecutorHeap(model, io.sparkllama.engine.EngineOptions.DEFAULTS.withMaxSequences(4096)
                .withContextLength(512), 1L << 30);
        BatchJob.checkExecutorHeap(model, io.sparkllama.engine.EngineOptions.DEFAULTS, 1L << 30);
    }

    @Test
    void configErrorsNameTheKey() {
        Path p = dir.resolve("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(p, p, "llama.max.tokenz=5"));
        assertTrue(e.getMessage().contains("unknown key llama.max.tokenz"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GenerateJob.generator(config(p, p, "llama.temperature=hot")));
        assertTrue(e.getMessage().contains("llama.temperature"), e.getMessage());
        java.io.IOException io = assertThrows(java.io.IOException.class,
                () -> GenerateJob.run(spark, config(p, p, "llama.model=/no/such.gguf"), System.err));
        assertEquals("/no/such.gguf: no such file", io.getMessage(), "a bad model fails on the driver, before any task");
    }
}
