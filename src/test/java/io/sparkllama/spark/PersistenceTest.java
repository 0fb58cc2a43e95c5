package io.sparkllama.spark;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark ML persistence: each transformer saved alone and in a Pipeline/PipelineModel, loaded with its params, and transforming alike. */
@Timeout(300)
class PersistenceTest extends LocalSparkTest {

    private static Dataset<Row> prompts() {
        return spark.createDataFrame(SampleData.rows(6), SampleData.schema()).repartition(2);
    }

    /** Every defined param by name, arrays as lists (so that equal values compare equal). */
    private static Map<String, Object> params(Transformer t) {
        Map<String, Object> out = new TreeMap<>();
        for (Param<?> p : t.params()) {
            if (t.isDefined(p)) {
                Object v = t.getOrDefault(p);
                out.put(p.name() + (t.isSet(p) ? " (set)" : ""), v instanceof Object[] a ? Arrays.asList(a) : v);
            }
        }
        return out;
    }

    /** Saves {@code stage} in a fitted PipelineModel and in an unfitted Pipeline; both load with its params and transform alike. */
    private static void roundTrip(Transformer stage, String name) throws Exception {
        Dataset<Row> df = prompts();
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {stage}).fit(df);
        String modelPath = dir.resolve(name + "-model").toString();
        model.write().overwrite().save(modelPath);
        PipelineModel loadedModel = PipelineModel.load(modelPath);
        Transformer loaded = loadedModel.stages()[0];
        assertInstanceOf(stage.getClass(), loaded);
        assertEquals(stage.uid(), loaded.uid());
        assertEquals(params(stage), params(loaded));
        assertEquals(SparkTests.byId(model.transform(df)), SparkTests.byId(loadedModel.transform(df)), name + ": same rows after loading");

        String pipelinePath = dir.resolve(name + "-pipeline").toString();
        new Pipeline().setStages(new PipelineStage[] {stage}).write().overwrite().save(pipelinePath);
        PipelineStage fromPipeline = Pipeline.load(pipelinePath).getStages()[0];
        assertEquals(params(stage), params((Transformer) fromPipeline));
    }

    @Test
    void generatorSavesAndLoadsWithItsParams() throws Exception {
        LlamaGenerator g = new LlamaGenerator().setModel(SparkTests.MODEL).setMaxTokens(12).setTemperature(0)
                .setStop("\n\n", "The end", "say \"hi\"").setMaxSequences(4).setKvType("f16").setKvMemory("64m")
                .setSystemPrompt("be brief").setPromptTemplate("Story: {prompt}");
        roundTrip(g, "generator");

        String path = dir.resolve("generator-alone").toString();
        g.write().overwrite().save(path);
        LlamaGenerator alone = LlamaGenerator.load(path);
        assertEquals(params(g), params(alone));
        assertTrue(Arrays.asList(alone.getOrDefault(alone.stop())).contains("say \"hi\""));
    }

    @Test
    void scorerSavesAndLoadsWithItsParams() throws Exception {
        roundTrip(new LlamaScorer().setModel(SparkTests.MODEL).setContinuationCol("prompt").setMaxSequences(4), "scorer");
    }

    @Test
    void chooserSavesAndLoadsWithItsParams() throws Exception {
        roundTrip(new LlamaChooser().setModel(SparkTests.MODEL).setOptions(" happy", " sad", " [odd], \"quoted\"")
                .setPromptTemplate("{prompt} The story is").setMaxSequences(4).setPrefixCache(1), "chooser");
    }
}
