package io.sparkllama.spark;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.engine.Seeds;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transformer in local[2]: one output row per input row, equal to the engine's own output, independent of partitioning. */
@Timeout(300)
class LlamaGeneratorTest extends LocalSparkTest {

    private static LlamaGenerator generator() {
        return new LlamaGenerator().setModel(SparkTests.MODEL).setMaxTokens(24).setTemperature(0.8).setTopP(0.9)
                .setSeed(7).setMaxSequences(8);
    }

    @Test
    void twoHundredPromptsMatchTheEngineAndDoNotDependOnPartitioning() throws Exception {
        Path input = dir.resolve("prompts.parquet");
        SampleData.write(spark, input.toString(), 200);
        Dataset<Row> prompts = spark.read().parquet(input.toString());

        Map<Object, List<Object>> one = SparkTests.byId(generator().transform(prompts.repartition(1)));
        Map<Object, List<Object>> four = SparkTests.byId(generator().transform(prompts.repartition(4)));
        assertEquals(200, one.size());
        assertEquals(one, four, "1 and 4 partitions give the same rows");

        LoadedModel m = ModelLoader.load(Path.of(SparkTests.MODEL), null);
        try (Engine engine = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(8).withThreads(2))) {
            for (Row r : SampleData.rows(200)) {
                long id = r.getLong(0);
                SamplingParams p = new SamplingParams(0.8f, 0, 0.9f, Seeds.forRow(7, id), 24, List.of());
                GenerationResult want = engine.generate(GenerationRequest.of(r.getString(1), p));
                List<Object> got = one.get(id);
                // columns after id: prompt, completion, prompt_tokens, completion_tokens, finish_reason, error
                assertEquals(r.getString(1), got.get(0));
                assertEquals(want.text(), got.get(1), "row " + id);
                assertEquals(want.promptTokens(), got.get(2));
                assertEquals(want.completionTokens(), got.get(3));
                assertEquals(want.finishReason().label(), got.get(4));
                assertNull(got.get(5));
            }
        }
    }

    @Test
    void badRowsBecomeErrorRowsAndNoRowIsLost() {
        StructType schema = new StructType().add("id", DataTypes.LongType, true).add("prompt", DataTypes.StringType, true);
        StringBuilder huge = new StringBuilder();
        while (huge.length() < 50_000) {
            huge.append("The dog ran to the park. ");
        }
        StringBuilder overContext = new StringBuilder();
        while (overContext.length() < 3_000) {
            overContext.append("Once upon a time. ");
        }
        List<Row> rows = new ArrayList<>(List.of(
                RowFactory.create(1L, null),
                RowFactory.create(2L, ""),
                RowFactory.create(3L, huge.toString()),
                RowFactory.create(4L, "bad \uD800 surrogate"),
                RowFactory.create(5L, overContext.toString()),
                RowFactory.create(6L, "   \t "),
                RowFactory.create(null, "no id"),
                RowFactory.create(8L, "Once upon a time")));
        // Spark stores strings as UTF-8: an unpaired surrogate reaches a DataFrame as the bytes of
        // one (ED A0 80, what CESU-8/WTF-8 writers produce), which Spark then decodes as U+FFFD, a
        // character like any other: the row is generated (docs/RELIABILITY.md, "Text encoding")
        Dataset<Row> df = spark.createDataFrame(rows, schema)
                .withColumn("prompt", org.apache.spark.sql.functions.when(org.apache.spark.sql.functions.col("id").equalTo(4L),
                        org.apache.spark.sql.functions.lit(new byte[] {'b', 'a', 'd', ' ', (byte) 0xED, (byte) 0xA0, (byte) 0x80})
                                .cast("string")).otherwise(org.apache.spark.sql.functions.col("prompt")))
                .repartition(3);
        List<Row> out = generator().setContextLength(512).transform(df).collectAsList();
        assertEquals(rows.size(), out.size());
        int errors = 0;
        for (Row r : out) {
            Object id = r.get(0);
            String error = r.getString(r.fieldIndex("error"));
            String finish = r.getString(r.fieldIndex("finish_reason"));
            if (id != null && ((Long) id == 8L || (Long) id == 4L)) {
                assertNull(error);
                assertTrue(r.getString(r.fieldIndex("completion")).length() > 0);
            } else {
                errors++;
                assertEquals("error", finish, "row " + id);
                assertTrue(error != null && !error.isEmpty());
                assertNull(r.get(r.fieldIndex("completion")));
            }
        }
        assertEquals(6, errors);
    }

    @Test
    void badSettingsFailBeforeTheJob() {
        Dataset<Row> df = spark.createDataFrame(SampleData.rows(3), SampleData.schema());
        assertThrows(IllegalArgumentException.class, () -> new LlamaGenerator().transform(df), "model is required");
        assertThrows(IllegalArgumentException.class, () -> generator().setInputCol("text").transform(df));
        assertThrows(IllegalArgumentException.class, () -> generator().setIdCol("key").transform(df));
        assertThrows(IllegalArgumentException.class, () -> generator().setTopP(0).transform(df));
        assertThrows(IllegalArgumentException.class, () -> generator().setOutputCol("prompt").transform(df));
    }

    @Test
    void templatesAndChatFormat() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("prompt", DataTypes.StringType)
                .add("name", DataTypes.StringType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(1L, "unused", "Lily"),
                RowFactory.create(2L, "unused", null)), schema);
        List<Row> out = generator().setTemperature(0).setMaxTokens(8).setPromptTemplate("Once upon a time, {name}")
                .transform(df).orderBy("id").collectAsList();
        assertNull(out.get(0).getString(out.get(0).fieldIndex("error")));
        // "BOS Once upon a time, Lily" is 1 + 7 tokens with the 512-token vocabulary
        assertTrue(out.get(0).getInt(out.get(0).fieldIndex("prompt_tokens")) > 5);
        assertTrue(out.get(1).getString(out.get(1).fieldIndex("error")).contains("'name'"));
        // stories260K.gguf has no chat template: error rows unless a built-in format is named
        Row noTemplate = generator().setTemperature(0).setMaxTokens(4).setChatTemplate(true).transform(df.limit(1)).first();
        assertTrue(noTemplate.getString(noTemplate.fieldIndex("error")).contains("has no chat template"));
        Row chat = generator().setTemperature(0).setMaxTokens(4).setChatTemplate(true).setChatFormat("llama2")
                .setSystemPrompt("Be brief.").transform(df.limit(1)).first();
        assertNull(chat.getString(chat.fieldIndex("error")));
        // [INST] <<SYS>> ... [/INST] is far longer than the bare prompt
        assertTrue(chat.getInt(chat.fieldIndex("prompt_tokens")) > 20, chat.toString());
        assertThrows(IllegalArgumentException.class, () -> generator().setChatTemplate(true).setChatFormat("vicuna").transform(df));
    }
}
