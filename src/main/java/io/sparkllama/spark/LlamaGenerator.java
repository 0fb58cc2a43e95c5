package io.sparkllama.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * A Spark ML {@link Transformer} that completes the prompts of a DataFrame with a Llama model.
 *
 * <p>The output keeps every input column and adds the completion ({@link #outputCol()}) and
 * {@code prompt_tokens}, {@code completion_tokens}, {@code finish_reason} ({@code stop},
 * {@code length} or {@code error}), {@code error} (null when fine) and {@code latency_ms}. A row
 * that cannot be completed becomes an error row; rows are never dropped.
 *
 * <p>Only a small {@link EngineSpec} is broadcast; each executor loads the model once (from a
 * local path or any Hadoop file system) and all its tasks share one batched engine sized to the
 * executor's cores. Each row's seed derives from {@link #seed()} and the row's id, so the output
 * does not depend on partitioning, task order or retries.
 *
 * <pre>
 * Dataset&lt;Row&gt; out = new LlamaGenerator().setModel("hdfs:///models/tinyllama-q8_0.gguf")
 *     .setInputCol("prompt").setIdCol("id").setMaxTokens(64).setTemperature(0.7)
 *     .transform(prompts);
 * </pre>
 */
public final class LlamaGenerator extends ChattingTransformer<LlamaGenerator> {
    private static final long serialVersionUID = 1L;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final IntParam maxTokens;
    private final DoubleParam temperature;
    private final DoubleParam topP;
    private final IntParam topK;
    private final LongParam seed;
    private final StringArrayParam stop;
    private final Param<String> promptTemplate;
    private final Param<String> messagesCol;
    private final BooleanParam truncate;

    public LlamaGenerator() {
        this(Identifiable$.MODULE$.randomUID("llamaGenerator"));
    }

    public LlamaGenerator(String uid) {
        super(uid);
        inputCol = new Param<>(this, "inputCol", "column holding the prompt text");
        outputCol = new Param<>(this, "outputCol", "column to write the completion to");
        maxTokens = new IntParam(this, "maxTokens", "most new tokens per row");
        temperature = new DoubleParam(this, "temperature", "sampling temperature, 0 for greedy");
        topP = new DoubleParam(this, "topP", "nucleus sampling threshold in (0, 1]");
        topK = new IntParam(this, "topK", "sample among the k most likely tokens, 0 for all");
        stop = new StringArrayParam(this, "stop", "strings that end a completion (not included)");
        messagesCol = new Param<>(this, "messagesCol",
                "column of conversations (array of struct<role, content>) sent through the chat template instead of inputCol; empty for none");
        seed = new LongParam(this, "seed", "job seed; each row's seed derives from it and the row id");
        promptTemplate = new Param<>(this, "promptTemplate", "template with {column} placeholders; empty to use the input column as it is");
        truncate = new BooleanParam(this, "truncate", "cut over-long prompts from the left instead of returning an error row");
        setDefault(inputCol, "prompt");
        setDefault(outputCol, "completion");
        setDefault(maxTokens, 256);
        setDefault(temperature, 0.8);
        setDefault(topP, 0.95);
        setDefault(topK, 0);
        setDefault(seed, 0L);
        setDefault(stop, new String[0]);
        setDefault(promptTemplate, "");
        setDefault(messagesCol, "");
        setDefault(truncate, false);
    }

    // Params, exposed as Spark ML expects (no-argument methods returning Param)

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public IntParam maxTokens() { return maxTokens; }
    public DoubleParam temperature() { return temperature; }
    public DoubleParam topP() { return topP; }
    public IntParam topK() { return topK; }
    public LongParam seed() { return seed; }
    public StringArrayParam stop() { return stop; }
    public Param<String> promptTemplate() { return promptTemplate; }
    public Param<String> messagesCol() { return messagesCol; }
    public BooleanParam truncate() { return truncate; }

    // Setters (fluent)

    public LlamaGenerator setInputCol(String v) { set(inputCol, v); return this; }
    public LlamaGenerator setOutputCol(String v) { set(outputCol, v); return this; }
    public LlamaGenerator setMaxTokens(int v) { set(maxTokens, v); return this; }
    public LlamaGenerator setTemperature(double v) { set(temperature, v); return this; }
    public LlamaGenerator setTopP(double v) { set(topP, v); return this; }
    public LlamaGenerator setTopK(int v) { set(topK, v); return this; }
    public LlamaGenerator setSeed(long v) { set(seed, v); return this; }
    public LlamaGenerator setStop(String... v) { set(stop, v); return this; }
    public LlamaGenerator setPromptTemplate(String v) { set(promptTemplate, v == null ? "" : v); return this; }
    public LlamaGenerator setMessagesCol(String v) { set(messagesCol, v == null ? "" : v); return this; }
    public LlamaGenerator setTruncate(boolean v) { set(truncate, v); return this; }

    /** Settings for the tasks; bad sampling values fail here, on the driver, rather than in every row. */
    GenerationSettings settings() {
        String template = value(promptTemplate);
        String messages = value(messagesCol);
        GenerationSettings s = new GenerationSettings(value(inputCol), value(idCol()), value(seed),
                (float) value(temperature), value(topK), (float) value(topP), value(maxTokens),
                List.of(value(stop)), value(truncate), template.isEmpty() ? null : template,
                messages.isEmpty() ? chatSettings() : chatSettings().withEnabled(true), // conversations need a template
                messages.isEmpty() ? null : messages, inFlight());
        s.sampling(0);
        return s;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String messages = value(messagesCol);
        if (!messages.isEmpty()) {
            requireColumns(schema, messages, value(idCol()));
            RowPrompts.requireMessages(schema, messages);
            return OutputColumns.extend(schema, value(outputCol));
        }
        String in = value(inputCol);
        requireColumns(schema, in, value(idCol()));
        requireText(schema, in);
        return OutputColumns.extend(schema, value(outputCol));
    }

    @Override
    protected MapPartitionsFunction<Row, Row> partitionFunction(Broadcast<EngineSpec> spec, StructType input, JobMetrics metrics) {
        return new GenerationPartition(spec, settings(), input, metrics);
    }

    @Override
    public LlamaGenerator copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a saved LlamaGenerator (Spark ML persistence; also what {@code Pipeline} loading calls). */
    public static MLReader<LlamaGenerator> read() {
        return reader();
    }

    /** Loads a LlamaGenerator saved with {@link #save}. */
    public static LlamaGenerator load(String path) {
        return read().load(path);
    }
}
