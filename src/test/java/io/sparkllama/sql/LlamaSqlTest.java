package io.sparkllama.sql;

import io.sparkllama.engine.Engine;
import io.sparkllama.spark.EngineRegistry;
import io.sparkllama.spark.LlamaChooser;
import io.sparkllama.spark.LlamaGenerator;
import io.sparkllama.spark.LlamaScorer;
import io.sparkllama.testing.Shared;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SQL functions in local[2], against the transformers with the same settings. */
@Timeout(600)
class LlamaSqlTest {
    static final String MODEL = Shared.model("stories260K.gguf").toString();
    private static final String[] ANIMALS = {"cat", "dog", "bird", "fish", "frog", "bear", "fox", "duck"};
    private static final String[] NAMES = {"Tim", "Lily", "Sam", "Ben", "Anna", "Max", "Sue", "Tom"};
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = builder().getOrCreate();
    }

    /** Stops the default session, if any; the builder of a local[2] session with the extension and the test model. */
    static SparkSession.Builder builder() {
        SparkSession.getDefaultSession().foreach(s -> { s.stop(); return null; });
        return SparkSession.builder().master("local[2]").appName("spark-llama sql tests")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.warehouse.dir", Path.of("target", "spark-warehouse").toAbsolutePath().toString())
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.extensions", LlamaExtensions.class.getName())
                .config("spark.llama.model", MODEL)
                .config("spark.llama.max.tokens", "24");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** {@code n} rows of (id long, prompt string), in {@code partitions} partitions, as the view "prompts". */
    static Dataset<Row> prompts(int n, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create((long) i, "Once upon a time, a " + ANIMALS[i % 8] + " named " + NAMES[(i / 8) % 8]
                    + (i >= 64 ? " saw " + i : "")));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType);
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(partitions);
        df.createOrReplaceTempView("prompts");
        return df;
    }

    private static Map<Long, Row> byId(Dataset<Row> df, String struct) {
        Map<Long, Row> out = new HashMap<>();
        for (Row r : df.collectAsList()) {
            out.put(r.getLong(r.fieldIndex("id")), r.getStruct(r.fieldIndex(struct)));
        }
        return out;
    }

    @Test
    void generateEqualsTheGeneratorRowForRowAndBatches() throws Exception {
        Dataset<Row> df = prompts(64, 2);
        LlamaGenerator generator = new LlamaGenerator().setModel(MODEL).setMaxTokens(24).setTemperature(0);
        try (EngineRegistry.Lease lease = EngineRegistry.acquire(generator.engineSpec())) {
            Engine engine = lease.engine();
            Engine.Stats before = engine.stats();
            Map<Long, Row> sql = byId(spark.sql("SELECT id, llama_generate(prompt, map('temperature', '0')) AS r FROM prompts"), "r");
            Engine.Stats after = engine.stats();
            long tokens = after.outputTokens() - before.outputTokens(), steps = after.steps() - before.steps();
            System.err.printf("llama_generate over 64 rows in 2 partitions: %d tokens in %d engine steps (%.1f per step)%n",
                    tokens, steps, (double) tokens / steps);
            assertTrue(tokens >= 64, "tokens " + tokens);
            // one call per row would make about one token per step; 64 rows over 2 tasks keep 16 sequences busy
            assertTrue(tokens >= 6.0 * steps, "batched: " + tokens + " tokens in " + steps + " steps");

            List<Row> want = generator.transform(df).collectAsList();
            assertEquals(64, sql.size());
            for (Row w : want) {
                Row got = sql.get(w.getLong(0));
                assertEquals((String) w.getAs("completion"), got.getAs("completion"), "row " + w.getLong(0));
                assertEquals((Integer) w.getAs("prompt_tokens"), got.getAs("prompt_tokens"));
                assertEquals((Integer) w.getAs("completion_tokens"), got.getAs("completion_tokens"));
                assertEquals((String) w.getAs("finish_reason"), got.getAs("finish_reason"));
                assertNull(got.getAs("error"));
            }
        }
    }

    @Test
    void sampledRowsFollowTheIdSeedAndNotThePartitioning() {
        prompts(40, 1);
        String q = "SELECT id, llama_generate(prompt, map('temperature', '0.9', 'seed', '7'), id) AS r FROM prompts";
        Map<Long, Row> one = byId(spark.sql(q), "r");
        Dataset<Row> df = prompts(40, 4);
        Map<Long, Row> four = byId(spark.sql(q), "r");
        assertEquals(one, four);
        List<Row> want = new LlamaGenerator().setModel(MODEL).setMaxTokens(24).setTemperature(0.9).setSeed(7)
                .transform(df).collectAsList();
        for (Row w : want) {
            assertEquals((String) w.getAs("completion"), one.get(w.getLong(0)).getAs("completion"), "row " + w.getLong(0));
        }
        // without an id, the seed comes from the prompt: equal prompts, equal completions
        Map<Long, Row> byPrompt = byId(spark.sql("SELECT id, llama_generate(prompt, map('temperature', '0.9')) AS r "
                + "FROM (SELECT id, 'Once upon a time' AS prompt FROM prompts)"), "r");
        assertEquals(1, byPrompt.values().stream().map(r -> r.getString(0)).distinct().count());
    }

    @Test
    void scoreAndChooseEqualTheScorerAndChooser() {
        Dataset<Row> df = prompts(16, 2);
        Map<Long, Row> scored = byId(spark.sql("SELECT id, llama_score('Once upon a time,', prompt) AS s FROM prompts"), "s");
        List<Row> want = new LlamaScorer().setModel(MODEL).setContinuationCol("prompt").setContextCol("ctx")
                .transform(df.selectExpr("id", "prompt", "'Once upon a time,' AS ctx")).collectAsList();
        for (Row w : want) {
            Row got = scored.get(w.getLong(0));
            assertEquals((Double) w.getAs("logprob"), got.getAs("logprob"));
            assertEquals((Integer) w.getAs("num_tokens"), got.getAs("tokens"));
            assertEquals((Boolean) w.getAs("is_greedy"), got.getAs("is_greedy"));
        }
        Map<Long, Row> chosen = byId(spark.sql("SELECT id, llama_choose(prompt, array(' was happy', ' was sad', ' ran')) AS c "
                + "FROM prompts"), "c");
        List<Row> wantChosen = new LlamaChooser().setModel(MODEL).setOptions(" was happy", " was sad", " ran")
                .transform(df).collectAsList();
        for (Row w : wantChosen) {
            Row got = chosen.get(w.getLong(0));
            assertEquals((String) w.getAs("label"), got.getAs("label"));
            assertEquals((Integer) w.getAs("label_index"), got.getAs("label_index"));
            assertEquals(w.getList(w.fieldIndex("label_probs")), got.getList(got.fieldIndex("probabilities")));
            assertNull(got.getAs("error"));
        }
    }

    @Test
    void chatOptionsRenderTheTemplateAsTheTransformersDo() {
        Dataset<Row> df = prompts(12, 2);
        String chat = "'chat', 'true', 'chat.format', 'zephyr', 'system.prompt', 'Tell a short story.', 'chat.date', '2026-01-02'";
        Map<Long, Row> generated = byId(spark.sql("SELECT id, llama_generate(prompt, map(" + chat + "), id) AS r FROM prompts"), "r");
        List<Row> want = new LlamaGenerator().setModel(MODEL).setMaxTokens(24).setChatTemplate(true).setChatFormat("zephyr")
                .setSystemPrompt("Tell a short story.").setChatDate("2026-01-02").transform(df).collectAsList();
        Map<Long, Row> plain = byId(spark.sql("SELECT id, llama_generate(prompt, map(), id) AS r FROM prompts"), "r");
        int differ = 0;
        for (Row w : want) {
            Row got = generated.get(w.getLong(0));
            assertEquals((String) w.getAs("completion"), got.getAs("completion"), "row " + w.getLong(0));
            assertEquals((Integer) w.getAs("prompt_tokens"), got.getAs("prompt_tokens"));
            assertNull(got.getAs("error"));
            differ += ((Integer) got.getAs("prompt_tokens")) > (Integer) plain.get(w.getLong(0)).getAs("prompt_tokens") ? 1 : 0;
        }
        assertEquals(12, differ, "the template adds tokens to every prompt");

        Map<Long, Row> chosen = byId(spark.sql("SELECT id, llama_choose(prompt, array(' yes', ' no'), map(" + chat + ")) AS c "
                + "FROM prompts"), "c");
        List<Row> wantChosen = new LlamaChooser().setModel(MODEL).setOptions(" yes", " no").setChatTemplate(true)
                .setChatFormat("zephyr").setSystemPrompt("Tell a short story.").setChatDate("2026-01-02").transform(df).collectAsList();
        for (Row w : wantChosen) {
            assertEquals(w.getList(w.fieldIndex("label_probs")), chosen.get(w.getLong(0)).getList(chosen.get(w.getLong(0))
                    .fieldIndex("probabilities")), "row " + w.getLong(0));
        }
        // the model's own template: stories260K has none, so every row says so and none is lost
        List<Row> noTemplate = spark.sql("SELECT id, llama_generate(prompt, map('chat', 'true')) AS r FROM prompts").collectAsList();
        assertEquals(12, noTemplate.size());
        for (Row r : noTemplate) {
            assertTrue(((String) r.getStruct(1).getAs("error")).startsWith("chat template: "), (String) r.getStruct(1).getAs("error"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CallSpec.resolve(LlamaFunction.SCORE,
                Map.of("chat", "true", "model", MODEL), Map.of()));
        assertTrue(e.getMessage().contains("unknown option 'chat'"), e.getMessage());
    }

    @Test
    void badRowsGetAnErrorAndTheOthersAreIntact() {
        prompts(8, 2);
        List<Row> rows = spark.sql("SELECT id, llama_generate(p, map('temperature', '0')) AS r FROM ("
                + "SELECT id, CASE id WHEN 1 THEN NULL WHEN 2 THEN repeat('a b ', 20000) WHEN 3 THEN '  ' ELSE prompt END AS p "
                + "FROM prompts) ORDER BY id").collectAsList();
        assertEquals(8, rows.size());
        for (Row row : rows) {
            Row r = row.getStruct(1);
            long id = row.getLong(0);
            if (id == 1 || id == 2 || id == 3) {
                assertNull(r.getAs("completion"), "row " + id);
                assertEquals("error", r.getAs("finish_reason"));
                assertNotNull(r.getAs("error"));
            } else {
                assertNull(r.getAs("error"), "row " + id);
                assertNotNull(r.getAs("completion"));
            }
        }
        assertEquals("prompt is null", rows.get(1).getStruct(1).getAs("error"));
        assertTrue(((String) rows.get(2).getStruct(1).getAs("error")).contains("more than the context"),
                (String) rows.get(2).getStruct(1).getAs("error"));
        assertEquals("prompt is blank", rows.get(3).getStruct(1).getAs("error"));
    }

    @Test
    void worksInWhereJoinAndCte() {
        prompts(16, 2);
        String choose = "llama_choose(prompt, array(' was happy', ' was sad'))";
        Map<Long, String> labels = new HashMap<>();
        for (Row r : spark.sql("SELECT id, " + choose + ".label AS l FROM prompts").collectAsList()) {
            labels.put(r.getLong(0), r.getString(1));
        }
        long happy = labels.values().stream().filter(" was happy"::equals).count();

        assertEquals(happy, spark.sql("SELECT id FROM prompts WHERE id >= 0 AND " + choose + ".label = ' was happy'").count());
        assertEquals(happy, spark.sql("WITH c AS (SELECT id, " + choose + " AS c FROM prompts) "
                + "SELECT id FROM c WHERE c.label = ' was happy'").count());
        List<Row> joined = spark.sql("SELECT a.id, b.l FROM prompts a JOIN (SELECT id, " + choose + ".label AS l FROM prompts) b "
                + "ON a.id = b.id AND " + "llama_score('Once', b.l).tokens > 0").collectAsList();
        assertEquals(16, joined.size());
        for (Row r : joined) {
            assertEquals(labels.get(r.getLong(0)), r.getString(1));
        }
        // a call in a join condition over one side is pushed to that side's filter
        assertEquals(happy, spark.sql("SELECT a.id FROM prompts a JOIN prompts b ON a.id = b.id AND "
                + "llama_choose(b.prompt, array(' was happy', ' was sad')).label = ' was happy'").count());
    }

    @Test
    void optionsConfAndWhereCallsCanGo() {
        prompts(4, 1);
        // an option beats the session's spark.llama.max.tokens (24); numbers are taken as values
        for (Row r : spark.sql("SELECT llama_generate(prompt, map('llama.max.tokens', 3, 'temperature', 0)) AS r FROM prompts")
                .collectAsList()) {
            assertEquals(3, (Integer) r.getStruct(0).getAs("completion_tokens"));
        }
        spark.conf().set("spark.llama.max.tokens", "5");
        try {
            assertEquals(5, (Integer) spark.sql("SELECT llama_generate('Once upon a time', map('temperature', '0')) AS r")
                    .first().getStruct(0).getAs("completion_tokens"));
        } finally {
            spark.conf().set("spark.llama.max.tokens", "24");
        }
        Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT llama_generate(prompt, map('max_tokens', '3')) FROM prompts").collect());
        assertTrue(e.getMessage().contains("unknown option 'max_tokens'"), e.getMessage());
        e = assertThrows(Exception.class, () -> spark.sql("SELECT llama_score('', prompt, map('model', '')) FROM prompts").collect());
        assertTrue(e.getMessage().contains("no model"), e.getMessage());
        e = assertThrows(Exception.class, () -> spark.sql("SELECT max(llama_score('', prompt).logprob) FROM prompts").collect());
        assertTrue(e.getMessage().contains("compute it in a subquery"), e.getMessage());
        e = assertThrows(Exception.class, () -> spark.sql("SELECT llama_generate(prompt, map('max.tokens', id)) FROM prompts").collect());
        assertTrue(e.getMessage().contains("constant map"), e.getMessage());

        // equal calls run once; a call over another call's result runs after it; GROUP BY works
        Dataset<Row> nested = spark.sql("SELECT llama_generate(prompt, map('temperature', '0')).completion AS a, "
                + "llama_generate(prompt, map('temperature', '0')).completion_tokens AS b, "
                + "llama_score(prompt, llama_generate(prompt, map('temperature', '0')).completion).tokens AS c FROM prompts");
        String plan = nested.queryExecution().executedPlan().toString();
        assertNotNull(nested.queryExecution().executedPlan().canonicalized()); // Spark copies the operator by reflection
        assertEquals(3, plan.split("LlamaEval", -1).length, plan); // two operators: the generate call (once), then the score over it
        for (Row r : nested.collectAsList()) {
            assertTrue(r.getInt(1) > 0 && r.getInt(2) > 0, r.toString());
        }
        assertEquals(4, spark.sql("SELECT llama_choose(prompt, array(' a', ' b')).label AS l, count(*) AS n FROM prompts GROUP BY 1")
                .collectAsList().stream().mapToLong(r -> r.getLong(1)).sum());
    }

    @Test
    void sqlJobPrintsJsonLinesAndWritesParquet() throws Exception {
        prompts(3, 1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(), err = new java.io.ByteArrayOutputStream();
        int status = SqlJob.run(spark, SqlJob.Options.parse(new String[] {"--json", "--query",
            "SELECT id, llama_generate(prompt, map('max.tokens', '4')).finish_reason AS f FROM prompts ORDER BY id"}),
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(0, status, err.toString());
        assertEquals(List.of("{\"id\":0,\"f\":\"length\"}", "{\"id\":1,\"f\":\"length\"}", "{\"id\":2,\"f\":\"length\"}"),
                out.toString().lines().toList());
        Path output = Path.of("target", "sql-job-test-" + System.nanoTime()).toAbsolutePath();
        status = SqlJob.run(spark, SqlJob.Options.parse(new String[] {"--output", output.toString(), "--query",
            "SELECT id, llama_score('', prompt) AS s FROM prompts"}), new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(0, status, err.toString());
        assertEquals(3, spark.read().parquet(output.toString()).where("s.error IS NULL AND s.tokens > 0").count());
        status = SqlJob.run(spark, SqlJob.Options.parse(new String[] {"--query", "SELECT llama_generate(1)"}),
                new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
        assertEquals(1, status);
        assertTrue(err.toString().contains("argument 1 must be a string"), err.toString());
    }
}
