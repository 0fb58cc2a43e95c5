package io.sparkllama.spark;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code llama.input} in JSON Lines, CSV or Parquet by its extension, and a missing input failing in one line. */
@Timeout(300)
class JobInputTest extends LocalSparkTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    private static JobConfig config(Object input, Path output) throws Exception {
        return JobConfig.parse(new String[] {"llama.input=" + input, "llama.output=" + output, "llama.model=" + SparkTests.MODEL,
            "llama.max.tokens=8", "llama.temperature=0", "llama.progress.seconds=60"}, null, GenerateJob.KEYS);
    }

    /** Runs the generate job and returns its output rows by id. */
    private static Map<Long, Row> generate(Path input, String name) throws Exception {
        Path output = dir.resolve(name + "-out");
        BatchJob.Summary s = GenerateJob.run(spark, config(input, output), QUIET);
        assertEquals(0, s.errorRows(), name);
        Map<Long, Row> out = new HashMap<>();
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
            assertNull(r.getString(r.fieldIndex("error")), r.toString());
            assertTrue(r.getInt(r.fieldIndex("completion_tokens")) > 0, r.toString());
            out.put(((Number) r.get(r.fieldIndex("id"))).longValue(), r);
        }
        return out;
    }

    @Test
    void jsonLinesInputGenerates() throws Exception {
        Path input = Files.writeString(dir.resolve("prompts.jsonl"), """
                {"id": 1, "prompt": "Once upon a time"}
                {"id": 2, "prompt": "Lily and Ben went to the park.\\nThey saw", "max_tokens": 4}
                {"id": 3, "prompt": "Tom had a red ball"}
                """);
        Map<Long, Row> out = generate(input, "jsonl");
        assertEquals(3, out.size());
        assertEquals("Lily and Ben went to the park.\nThey saw", out.get(2L).getString(out.get(2L).fieldIndex("prompt")));
        assertEquals(4, out.get(2L).getInt(out.get(2L).fieldIndex("completion_tokens")), "per-row parameters work");
    }

    @Test
    void csvInputWithAHeaderGenerates() throws Exception {
        Path input = Files.writeString(dir.resolve("prompts.csv"), """
                id,prompt
                1,Once upon a time
                2,"Lily said ""hello"", and then
                she ran"
                3,Tom had a red ball
                """);
        Map<Long, Row> out = generate(input, "csv");
        assertEquals(3, out.size());
        assertEquals("Lily said \"hello\", and then\nshe ran", out.get(2L).getString(out.get(2L).fieldIndex("prompt")),
                "quoted cells keep commas, quotes and newlines");
    }

    @Test
    void aMissingInputFailsWithOneLineNamingIt() throws Exception {
        for (String missing : List.of("/no/such/prompts.parquet", "/no/such/prompts.jsonl", "/no/such/prompts.csv")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GenerateJob.run(spark, config(missing, dir.resolve("never")), QUIET));
            assertEquals("llama.input: " + missing + ": no such file or directory", e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("never")), "nothing was written");
    }

    @Test
    void aJsonLinesFileWithoutObjectsIsRefused() throws Exception {
        Path input = Files.writeString(dir.resolve("text.jsonl"), "Once upon a time\nTom had a ball\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerateJob.run(spark, config(input, dir.resolve("never2")), QUIET));
        assertEquals("llama.input: " + input + " is not JSON Lines: no line holds a JSON object", e.getMessage());
    }

    @Test
    void formatByExtension() {
        assertEquals(JobInput.Format.JSON_LINES, JobInput.formatOf("s3a://b/prompts.JSONL"));
        assertEquals(JobInput.Format.JSON_LINES, JobInput.formatOf("data/prompts.json/"));
        assertEquals(JobInput.Format.CSV, JobInput.formatOf("prompts.csv"));
        assertEquals(JobInput.Format.PARQUET, JobInput.formatOf("sample-data/prompts.parquet"));
        assertEquals(JobInput.Format.PARQUET, JobInput.formatOf("output/completions"));
    }
}
