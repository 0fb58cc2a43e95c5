package io.sparkllama.spark;

import io.sparkllama.json.Json;
import io.sparkllama.cli.Main;
import io.sparkllama.testing.EndOfTurnModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generation job with {@code llama.chat=true} over a Llama 3 model: prompts go through the
 * file's own chat template, a completion ends at {@code <|eot_id|>} with finish reason
 * {@code stop} and holds no special-token text, and every row equals what
 * {@code scripts/llama generate --prompts --chat} writes for it; a {@code messages} column of
 * whole conversations works the same way.
 */
@Timeout(300)
class ChatJobTest extends LocalSparkTest {
    private static final String ENDS = "What is 2+2?";
    private static Path model;
    private static int steps;

    @BeforeAll
    static void model() throws Exception {
        EndOfTurnModel.Copy copy = EndOfTurnModel.write(dir.resolve("llama3-eot.gguf"), ENDS, 3);
        model = copy.path();
        steps = copy.steps();
    }

    private static String[] jobArgs(Path input, Path output, String... more) {
        List<String> a = new ArrayList<>(List.of("llama.input=" + input, "llama.output=" + output, "llama.model=" + model,
                "llama.max.tokens=12", "llama.temperature=0", "llama.partitions=2", "llama.chat=true",
                "llama.chat.date=" + EndOfTurnModel.DATE));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void chatPromptsEndAtEndOfTurnAndEqualTheCli() throws Exception {
        String[] prompts = {ENDS, ENDS, "Name a colour.", ENDS};
        List<Row> rows = new ArrayList<>();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < prompts.length; i++) {
            rows.add(RowFactory.create((long) i, prompts[i]));
            lines.append(Json.toJson(Map.of("id", (long) i, "prompt", prompts[i]))).append('\n');
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
        Path input = dir.resolve("chat-in.parquet");
        spark.createDataFrame(rows, schema).write().parquet(input.toString());
        Path output = dir.resolve("chat-out");
        GenerateJob.run(spark, JobConfig.parse(jobArgs(input, output), null, GenerateJob.KEYS), quiet());

        Map<Long, Map<String, Object>> cli = cli(lines.toString(), "--chat", "--chat-date", EndOfTurnModel.DATE.toString());
        Dataset<Row> out = spark.read().parquet(output.toString());
        assertEquals(prompts.length, out.count());
        int ended = 0;
        for (Row r : out.collectAsList()) {
            long id = r.getLong(r.fieldIndex("id"));
            String completion = r.getString(r.fieldIndex("completion"));
            String finish = r.getString(r.fieldIndex("finish_reason"));
            assertFalse(completion.contains("<|"), "special-token text in " + completion);
            if (prompts[(int) id].equals(ENDS)) {
                assertEquals("stop", finish, "row " + id);
                assertEquals(steps, r.getInt(r.fieldIndex("completion_tokens")), "row " + id);
                assertFalse(completion.isEmpty());
                ended++;
            }
            Map<String, Object> c = cli.get(id);
            assertEquals(c.get("completion"), completion, "row " + id + " against the CLI");
            assertEquals(c.get("finish_reason"), finish, "row " + id + " against the CLI");
            assertEquals(((Number) c.get("prompt_tokens")).intValue(), r.getInt(r.fieldIndex("prompt_tokens")), "row " + id);
        }
        assertEquals(3, ended);
    }

    @Test
    void messagesColumnIsRenderedByTheTemplate() throws Exception {
        StructType message = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType);
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("messages", DataTypes.createArrayType(message));
        List<Row> rows = List.of(
                RowFactory.create(1L, List.of(RowFactory.create("user", ENDS))),
                RowFactory.create(2L, List.of(RowFactory.create("system", "Be brief."), RowFactory.create("user", "Hi"),
                        RowFactory.create("assistant", "Hello."), RowFactory.create("user", "Count to three."))),
                RowFactory.create(3L, List.of()));
        Path input = dir.resolve("messages-in.parquet");
        spark.createDataFrame(rows, schema).write().parquet(input.toString());
        Path output = dir.resolve("messages-out");
        GenerateJob.run(spark, JobConfig.parse(jobArgs(input, output, "llama.messages.column=messages"), null,
                GenerateJob.KEYS), quiet());
        String lines = "{\"id\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"" + ENDS + "\"}]}\n"
                + "{\"id\": 2, \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"Hello.\"}, {\"role\": \"user\", \"content\": \"Count to three.\"}]}\n";
        Map<Long, Map<String, Object>> cli = cli(lines, "--chat", "--chat-date", EndOfTurnModel.DATE.toString());
        Map<Long, Row> job = new HashMap<>();
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
            job.put(r.getLong(r.fieldIndex("id")), r);
        }
        assertEquals(3, job.size());
        for (long id : new long[] {1, 2}) {
            Row r = job.get(id);
            assertEquals(cli.get(id).get("completion"), r.getString(r.fieldIndex("completion")), "row " + id);
            assertEquals(((Number) cli.get(id).get("prompt_tokens")).intValue(), r.getInt(r.fieldIndex("prompt_tokens")));
        }
        assertEquals("stop", job.get(1L).getString(job.get(1L).fieldIndex("finish_reason")));
        Row empty = job.get(3L);
        assertEquals("error", empty.getString(empty.fieldIndex("finish_reason")));
        assertTrue(empty.getString(empty.fieldIndex("error")).contains("messages are empty"));
    }

    @Test
    void aModelWithoutATemplateGivesErrorRowsUnlessAFormatIsNamed() throws Exception {
        Path input = dir.resolve("stories-in.parquet");
        SampleData.write(spark, input.toString(), 6);
        Path output = dir.resolve("stories-out");
        String[] base = {"llama.input=" + input, "llama.model=" + SparkTests.MODEL, "llama.max.tokens=4",
                "llama.temperature=0", "llama.chat=true"};
        GenerateJob.run(spark, JobConfig.parse(concat(base, "llama.output=" + output), null, GenerateJob.KEYS), quiet());
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
            assertEquals("error", r.getString(r.fieldIndex("finish_reason")));
            assertTrue(r.getString(r.fieldIndex("error")).contains("stories260K.gguf has no chat template"), r.toString());
        }
        Path named = dir.resolve("stories-llama2");
        GenerateJob.run(spark, JobConfig.parse(concat(base, "llama.output=" + named, "llama.chat.format=llama2"), null,
                GenerateJob.KEYS), quiet());
        for (Row r : spark.read().parquet(named.toString()).collectAsList()) {
            assertTrue(r.isNullAt(r.fieldIndex("error")), r.toString());
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    /** {@code scripts/llama generate --prompts} on the same model, greedy, 12 tokens; its result lines by id. */
    @SuppressWarnings("unchecked")
    private static Map<Long, Map<String, Object>> cli(String promptLines, String... options) throws Exception {
        Path prompts = Files.writeString(dir.resolve("prompts-" + System.nanoTime() + ".jsonl"), promptLines);
        List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompts", prompts.toString(),
                "--temperature", "0", "--max-tokens", "12", "--seed", "0"));
        args.addAll(List.of(options));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Main.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8), quiet());
        assertEquals(0, status);
        Map<Long, Map<String, Object>> byId = new HashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            Map<String, Object> m = (Map<String, Object>) Json.parse(line);
            byId.put(((Number) m.get("id")).longValue(), m);
        }
        return byId;
    }
}
