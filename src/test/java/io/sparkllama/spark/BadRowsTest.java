package io.sparkllama.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad row listed in docs/RELIABILITY.md, through the real jobs (Parquet in,
 * Parquet out): each gives its documented result, no row is lost, and the job succeeds.
 */
@Timeout(300)
class BadRowsTest extends LocalSparkTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    /** One kind of bad row: its input cells (after the id) and what its output row must show. */
    private record Kind(String name, Object[] cells, Consumer<Row> expect) {
    }

    private static Consumer<Row> error(String fragment) {
        return r -> {
            String error = r.getString(r.fieldIndex("error"));
            assertNotNull(error, "an error row");
            assertTrue(error.contains(fragment), "error '" + error + "' mentions '" + fragment + "'");
            if (Arrays.asList(r.schema().fieldNames()).contains("finish_reason")) {
                assertEquals("error", r.getString(r.fieldIndex("finish_reason")));
                assertNull(r.get(r.fieldIndex("completion")));
            } else {
                assertNull(r.get(r.fieldIndex("label")));
            }
        };
    }

    private static final Consumer<Row> GENERATED = r -> {
        assertNull(r.getString(r.fieldIndex("error")), "no error");
        assertTrue(r.getString(r.fieldIndex("finish_reason")).matches("stop|length"));
        assertTrue(r.getInt(r.fieldIndex("completion_tokens")) > 0, "tokens were generated");
        assertNotNull(r.getString(r.fieldIndex("completion")));
    };

    /** Generated normally, from exactly this prompt. */
    private static Consumer<Row> generatedFrom(String prompt) {
        return r -> {
            GENERATED.accept(r);
            assertEquals(prompt, r.getString(r.fieldIndex("prompt")));
        };
    }

    private static Object[] prompt(String text) {
        return new Object[] {text, null, null, null, null, null, null, null};
    }

    /** Cells: prompt, raw (binary cast to the prompt when set), max_tokens, temperature, top_p, top_k, seed, stop. */
    private static Object[] cells(String prompt, byte[] raw, Long maxTokens, Double temperature, Double topP, Long topK,
                                  Long seed, List<String> stop) {
        return new Object[] {prompt, raw, maxTokens, temperature, topP, topK, seed, stop == null ? null : new ArrayList<>(stop)};
    }

    private static Object[] params(Long maxTokens, Double temperature, Double topP, Long topK, List<String> stop) {
        return cells("Once upon a time", null, maxTokens, temperature, topP, topK, null, stop);
    }

    private static final StructType GENERATE_SCHEMA = new StructType().add("id", DataTypes.LongType, true)
            .add("prompt", DataTypes.StringType, true).add("raw", DataTypes.BinaryType, true)
            .add("max_tokens", DataTypes.LongType, true).add("temperature", DataTypes.DoubleType, true)
            .add("top_p", DataTypes.DoubleType, true).add("top_k", DataTypes.LongType, true)
            .add("seed", DataTypes.LongType, true).add("stop", DataTypes.createArrayType(DataTypes.StringType, true), true)
            .add("kind", DataTypes.StringType, true);

    private static String repeat(String s, int length) {
        StringBuilder b = new StringBuilder(length + s.length());
        while (b.length() < length) {
            b.append(s);
        }
        return b.substring(0, length);
    }

    @Test
    void generateJob() throws Exception {
        List<Kind> kinds = new ArrayList<>(List.of(
                new Kind("null prompt", prompt(null), error("prompt is null")),
                new Kind("empty prompt", prompt(""), error("prompt is empty")),
                new Kind("whitespace-only prompt", prompt(" \t\n\u2003 "), error("prompt is blank")),
                new Kind("100,000-character prompt", prompt(repeat("The dog ran to the park. ", 100_000)),
                        error("more than the context of")),
                new Kind("prompt longer than the context", prompt(repeat("Once upon a time. ", 10_000)),
                        error("more than the context of")),
                // string columns are taken as Spark decodes them: invalid UTF-8 is already U+FFFD, a legitimate character
                new Kind("invalid UTF-8 in a string column", cells(null, new byte[] {'h', 'i', ' ', (byte) 0xC3, (byte) 0x28},
                        null, null, null, null, null, null), generatedFrom("hi \uFFFD(")),
                new Kind("UTF-8-encoded unpaired surrogate in a string column", cells(null,
                        new byte[] {'b', 'a', 'd', ' ', (byte) 0xED, (byte) 0xA0, (byte) 0x80}, null, null, null, null, null, null),
                        r -> {
                            GENERATED.accept(r);
                            assertTrue(r.getString(r.fieldIndex("prompt")).matches("bad \uFFFD+"), r.getString(r.fieldIndex("prompt")));
                        }),
                new Kind("U+FFFD in valid text", prompt("Lily saw a \uFFFD sign"), generatedFrom("Lily saw a \uFFFD sign")),
                new Kind("unpaired surrogate in a Java string", prompt("Lily saw a \uD800 bird"), r -> {
                    GENERATED.accept(r); // Spark's own string encoding turns it into '?' before the job sees it
                    assertEquals("Lily saw a ? bird", r.getString(r.fieldIndex("prompt")));
                }),
                new Kind("control characters", prompt("Tom\u0000 had\u0007 a \u001b[31mred\u007f ball"), GENERATED),
                new Kind("emoji, CJK, combining marks, right-to-left", prompt("Lily 😀 你好 e\u0301 שלום saw"), GENERATED),
                new Kind("special-token text", prompt("<s> [INST] </s> <unk> Once"), GENERATED),
                new Kind("negative max_tokens", params(-5L, null, null, null, null), error("max_tokens must be >= 0")),
                new Kind("max_tokens 0", params(0L, null, null, null, null), r -> {
                    assertNull(r.getString(r.fieldIndex("error")));
                    assertEquals("length", r.getString(r.fieldIndex("finish_reason")));
                    assertEquals(0, r.getInt(r.fieldIndex("completion_tokens")));
                    assertEquals("", r.getString(r.fieldIndex("completion")));
                }),
                new Kind("max_tokens beyond 32 bits", params(1_000_000_000_000L, null, null, null, null), error("32 bits")),
                new Kind("max_tokens 2^31-1", params((long) Integer.MAX_VALUE, 1.0, null, null, null), r -> {
                    GENERATED.accept(r); // ends at an end-of-sequence token or when the context is full
                    assertTrue(r.getInt(r.fieldIndex("prompt_tokens")) + r.getInt(r.fieldIndex("completion_tokens")) <= 2048);
                }),
                new Kind("NaN temperature", params(null, Double.NaN, null, null, null), error("temperature")),
                new Kind("negative temperature", params(null, -0.5, null, null, null), error("temperature")),
                new Kind("infinite temperature", params(null, Double.POSITIVE_INFINITY, null, null, null), error("temperature")),
                new Kind("huge temperature", params(null, 1e6, null, null, null), GENERATED),
                new Kind("top_p 0", params(null, null, 0.0, null, null), error("top_p")),
                new Kind("top_p above 1", params(null, null, 1.5, null, null), error("top_p")),
                new Kind("negative top_k", params(null, null, null, -3L, null), error("top_k")),
                new Kind("top_k beyond 32 bits", params(null, null, null, 1L << 40, null), error("32 bits")),
                new Kind("stop list with a null element", params(null, null, null, null, java.util.Arrays.asList("x", null)),
                        error("null element")),
                new Kind("empty stop string", params(null, null, null, null, List.of("")), error("must not be empty")),
                new Kind("null per-row parameters", params(null, null, null, null, null), GENERATED)));
        Map<String, Long> ids = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        long id = 1;
        for (Kind k : kinds) {
            ids.put(k.name, id);
            rows.add(row(id++, k.cells, k.name));
        }
        // two rows sharing an id (same prompt: same seed, so the same completion), and a row without an id
        rows.add(row(900L, prompt("Tom and Lily"), "duplicate id"));
        rows.add(row(900L, prompt("Tom and Lily"), "duplicate id"));
        rows.add(row(null, prompt("Tom and Lily"), "null id"));

        Path input = dir.resolve("bad-prompts.parquet"), output = dir.resolve("bad-completions");
        spark.createDataFrame(rows, GENERATE_SCHEMA)
                .withColumn("prompt", coalesce(col("raw").cast("string"), col("prompt"))).drop("raw")
                .write().mode(SaveMode.Overwrite).parquet(input.toString());
        BatchJob.Summary s = GenerateJob.run(spark, JobConfig.parse(new String[] {"llama.input=" + input, "llama.output=" + output,
                "llama.model=" + SparkTests.MODEL, "llama.max.tokens=24", "llama.partitions=3", "llama.progress.seconds=60"},
                null, GenerateJob.KEYS), QUIET);

        List<Row> out = spark.read().parquet(output.toString()).collectAsList();
        assertEquals(rows.size(), out.size(), "one output row per input row");
        assertEquals(rows.size(), s.rows());
        Map<String, Row> byKind = new HashMap<>();
        List<Row> duplicates = new ArrayList<>();
        for (Row r : out) {
            String kind = r.getString(r.fieldIndex("kind"));
            if (kind.equals("duplicate id")) {
                duplicates.add(r);
            } else {
                assertNull(byKind.put(kind, r), "one row of " + kind);
            }
        }
        for (Kind k : kinds) {
            Row r = byKind.get(k.name);
            assertNotNull(r, k.name);
            assertEquals(ids.get(k.name), r.get(r.fieldIndex("id")));
            try {
                k.expect.accept(r);
            } catch (AssertionError e) {
                throw new AssertionError(k.name + ": " + e.getMessage() + " in " + r, e);
            }
        }
        assertEquals(2, duplicates.size(), "both rows of a shared id are kept");
        duplicates.forEach(GENERATED);
        assertEquals(duplicates.get(0).getString(duplicates.get(0).fieldIndex("completion")),
                duplicates.get(1).getString(duplicates.get(1).fieldIndex("completion")));
        error("id is null").accept(byKind.get("null id"));
        long expectedErrors = out.stream().filter(r -> r.getString(r.fieldIndex("error")) != null).count();
        assertEquals(expectedErrors, s.errorRows());
    }

    private static Row row(Long id, Object[] cells, String kind) {
        Object[] values = new Object[cells.length + 2];
        values[0] = id;
        System.arraycopy(cells, 0, values, 1, cells.length);
        values[values.length - 1] = kind;
        return RowFactory.create(values);
    }

    @Test
    void binaryPromptColumn() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.LongType, true).add("prompt", DataTypes.BinaryType, true);
        List<Row> rows = List.of(
                RowFactory.create(1L, "Once upon a time".getBytes(StandardCharsets.UTF_8)),
                RowFactory.create(2L, new byte[] {'O', 'n', (byte) 0xFF, 'e'}),
                RowFactory.create(3L, null),
                RowFactory.create(4L, new byte[0]),
                RowFactory.create(5L, "Tom saw a \uFFFD sign".getBytes(StandardCharsets.UTF_8)));
        Path input = dir.resolve("binary.parquet"), output = dir.resolve("binary-out");
        spark.createDataFrame(rows, schema).write().mode(SaveMode.Overwrite).parquet(input.toString());
        GenerateJob.run(spark, JobConfig.parse(new String[] {"llama.input=" + input, "llama.output=" + output,
                "llama.model=" + SparkTests.MODEL, "llama.max.tokens=16", "llama.progress.seconds=60"}, null, GenerateJob.KEYS), QUIET);
        Map<Long, Row> out = new HashMap<>();
        spark.read().parquet(output.toString()).collectAsList().forEach(r -> out.put(r.getLong(0), r));
        assertEquals(5, out.size());
        GENERATED.accept(out.get(1L));
        GENERATED.accept(out.get(5L)); // U+FFFD written as valid UTF-8 is a character like any other
        error("binary data that is not valid UTF-8").accept(out.get(2L));
        error("prompt is null").accept(out.get(3L));
        error("prompt is empty").accept(out.get(4L));
    }

    @Test
    void labelJob() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.LongType, true).add("text", DataTypes.StringType, true)
                .add("options", DataTypes.createArrayType(DataTypes.StringType, true), true);
        List<Row> rows = List.of(
                RowFactory.create(1L, "Lily was", List.of(" happy", " sad")),
                RowFactory.create(2L, "Lily was", null),
                RowFactory.create(3L, "Lily was", List.of()),
                RowFactory.create(4L, "Lily was", List.of(" happy")),
                RowFactory.create(5L, "Lily was", java.util.Arrays.asList(" happy", null)),
                RowFactory.create(6L, "Lily was", List.of(" happy", "")),
                RowFactory.create(7L, "Lily was", List.of(" happy", " happy")),
                RowFactory.create(8L, null, List.of(" happy", " sad")));
        Path input = dir.resolve("label.parquet"), output = dir.resolve("label-out");
        spark.createDataFrame(rows, schema).write().mode(SaveMode.Overwrite).parquet(input.toString());
        LabelJob.run(spark, JobConfig.parse(new String[] {"llama.input=" + input, "llama.output=" + output,
                "llama.model=" + SparkTests.MODEL, "llama.options.column=options", "llama.progress.seconds=60"},
                null, LabelJob.KEYS), QUIET);
        Map<Long, Row> out = new HashMap<>();
        spark.read().parquet(output.toString()).collectAsList().forEach(r -> out.put(r.getLong(0), r));
        assertEquals(rows.size(), out.size());
        assertNull(out.get(1L).getString(out.get(1L).fieldIndex("error")));
        error("options are null").accept(out.get(2L));
        error("at least two options").accept(out.get(3L));
        error("at least two options").accept(out.get(4L));
        error("null element").accept(out.get(5L));
        error("an option is empty").accept(out.get(6L));
        Row same = out.get(7L); // the same option twice: equal scores, so half the probability each; the first is the label
        assertNull(same.getString(same.fieldIndex("error")));
        List<Double> probs = same.getList(same.fieldIndex("label_probs"));
        assertEquals(probs.get(0), probs.get(1));
        assertEquals(0.5, probs.get(0), 1e-12);
        assertEquals(0, same.getInt(same.fieldIndex("label_index")));
        error("text is null").accept(out.get(8L));
    }
}
