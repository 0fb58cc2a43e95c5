package io.sparkllama.spark;

import io.sparkllama.model.KvCache;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
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
public final class LlamaGenerator extends Transformer {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private transient JobMetrics lastMetrics;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> idCol;
    private final Param<String> model;
    private final Param<String> tokenizer;
    private final IntParam maxTokens;
    private final DoubleParam temperature;
    private final DoubleParam topP;
    private final IntParam topK;
    private final LongParam seed;
    private final StringArrayParam stop;
    private final IntParam maxSequences;
    private final Param<String> kvType;
    private final IntParam contextLength;
    private final IntParam prefillChunk;
    private final IntParam threads;
    private final Param<String> promptTemplate;
    private final BooleanParam chatTemplate;
    private final Param<String> systemPrompt;
    private final BooleanParam truncate;

    public LlamaGenerator() {
        this(Identifiable$.MODULE$.randomUID("llamaGenerator"));
    }

    public LlamaGenerator(String uid) {
        this.uid = uid; // before the params, which take their parent's uid
        inputCol = new Param<>(this, "inputCol", "column holding the prompt text");
        outputCol = new Param<>(this, "outputCol", "column to write the completion to");
        model = new Param<>(this, "model", "model location: local path or Hadoop URI (GGUF or llama2.c)");
        tokenizer = new Param<>(this, "tokenizer", "tokenizer location, empty when the model embeds one");
        maxTokens = new IntParam(this, "maxTokens", "most new tokens per row");
        temperature = new DoubleParam(this, "temperature", "sampling temperature, 0 for greedy");
        topP = new DoubleParam(this, "topP", "nucleus sampling threshold in (0, 1]");
        topK = new IntParam(this, "topK", "sample among the k most likely tokens, 0 for all");
        stop = new StringArrayParam(this, "stop", "strings that end a completion (not included)");
        maxSequences = new IntParam(this, "maxSequences", "sequences each executor decodes together");
        kvType = new Param<>(this, "kvType", "KV cache element type: f32 or f16");
        contextLength = new IntParam(this, "contextLength", "positions per sequence, 0 for the model's");
        prefillChunk = new IntParam(this, "prefillChunk", "prompt tokens per engine step");
        threads = new IntParam(this, "threads", "compute threads per executor, 0 for the executor's cores");
        chatTemplate = new BooleanParam(this, "chatTemplate", "wrap prompts in the Llama 2 chat format");
        systemPrompt = new Param<>(this, "systemPrompt", "system prompt of the chat format");
        idCol = new Param<>(this, "idCol", "column identifying each row; seeds its sampling");
        seed = new LongParam(this, "seed", "job seed; each row's seed derives from it and the row id");
        promptTemplate = new Param<>(this, "promptTemplate", "template with {column} placeholders; empty to use the input column as it is");
        truncate = new BooleanParam(this, "truncate", "cut over-long prompts from the left instead of returning an error row");
        setDefault(inputCol, "prompt");
        setDefault(outputCol, "completion");
        setDefault(idCol, "id");
        setDefault(tokenizer, "");
        setDefault(maxTokens, 256);
        setDefault(temperature, 0.8);
        setDefault(topP, 0.95);
        setDefault(topK, 0);
        setDefault(seed, 0L);
        setDefault(stop, new String[0]);
        setDefault(maxSequences, 16);
        setDefault(kvType, "f32");
        setDefault(contextLength, 0);
        setDefault(prefillChunk, 64);
        setDefault(threads, 0);
        setDefault(promptTemplate, "");
        setDefault(chatTemplate, false);
        setDefault(systemPrompt, "");
        setDefault(truncate, false);
    }

    @Override
    public String uid() {
        return uid;
    }

    // Params, exposed as Spark ML expects (no-argument methods returning Param)

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public Param<String> idCol() { return idCol; }
    public Param<String> model() { return model; }
    public Param<String> tokenizer() { return tokenizer; }
    public IntParam maxTokens() { return maxTokens; }
    public DoubleParam temperature() { return temperature; }
    public DoubleParam topP() { return topP; }
    public IntParam topK() { return topK; }
    public LongParam seed() { return seed; }
    public StringArrayParam stop() { return stop; }
    public IntParam maxSequences() { return maxSequences; }
    public Param<String> kvType() { return kvType; }
    public IntParam contextLength() { return contextLength; }
    public IntParam prefillChunk() { return prefillChunk; }
    public IntParam threads() { return threads; }
    public Param<String> promptTemplate() { return promptTemplate; }
    public BooleanParam chatTemplate() { return chatTemplate; }
    public Param<String> systemPrompt() { return systemPrompt; }
    public BooleanParam truncate() { return truncate; }

    // Setters (fluent)

    public LlamaGenerator setInputCol(String v) { set(inputCol, v); return this; }
    public LlamaGenerator setOutputCol(String v) { set(outputCol, v); return this; }
    public LlamaGenerator setIdCol(String v) { set(idCol, v); return this; }
    public LlamaGenerator setModel(String v) { set(model, v); return this; }
    public LlamaGenerator setTokenizer(String v) { set(tokenizer, v == null ? "" : v); return this; }
    public LlamaGenerator setMaxTokens(int v) { set(maxTokens, v); return this; }
    public LlamaGenerator setTemperature(double v) { set(temperature, v); return this; }
    public LlamaGenerator setTopP(double v) { set(topP, v); return this; }
    public LlamaGenerator setTopK(int v) { set(topK, v); return this; }
    public LlamaGenerator setSeed(long v) { set(seed, v); return this; }
    public LlamaGenerator setStop(String... v) { set(stop, v); return this; }
    public LlamaGenerator setMaxSequences(int v) { set(maxSequences, v); return this; }
    public LlamaGenerator setKvType(String v) { set(kvType, v); return this; }
    public LlamaGenerator setContextLength(int v) { set(contextLength, v); return this; }
    public LlamaGenerator setPrefillChunk(int v) { set(prefillChunk, v); return this; }
    public LlamaGenerator setThreads(int v) { set(threads, v); return this; }
    public LlamaGenerator setPromptTemplate(String v) { set(promptTemplate, v == null ? "" : v); return this; }
    public LlamaGenerator setChatTemplate(boolean v) { set(chatTemplate, v); return this; }
    public LlamaGenerator setSystemPrompt(String v) { set(systemPrompt, v == null ? "" : v); return this; }
    public LlamaGenerator setTruncate(boolean v) { set(truncate, v); return this; }

    @SuppressWarnings("unchecked")
    private <T> T value(Param<?> p) {
        return (T) getOrDefault(p);
    }

    /** The engine spec these params describe (what is broadcast). */
    public EngineSpec engineSpec() {
        if (!isDefined(model)) {
            throw new IllegalArgumentException("LlamaGenerator: set the model location (setModel)");
        }
        String tok = value(tokenizer);
        return new EngineSpec(absolute(value(model)), tok.isEmpty() ? null : absolute(tok), (Integer) value(maxSequences),
                (Integer) value(contextLength), (String) value(kvType), (Integer) value(prefillChunk), (Integer) value(threads), 0);
    }

    /** A relative local path made absolute on the driver, so executors in other directories find it. */
    static String absolute(String location) {
        String scheme = java.net.URI.create(location.replace(" ", "%20")).getScheme();
        boolean local = scheme == null || scheme.length() == 1;
        return local ? java.nio.file.Path.of(location).toAbsolutePath().normalize().toString() : location;
    }

    /** Settings for the tasks; bad sampling values fail here, on the driver, rather than in every row. */
    GenerationSettings settings() {
        String template = value(promptTemplate);
        String system = value(systemPrompt);
        GenerationSettings s = new GenerationSettings(value(inputCol), value(idCol), value(seed),
                ((Double) value(temperature)).floatValue(), value(topK), ((Double) value(topP)).floatValue(), value(maxTokens),
                List.of((String[]) value(stop)), value(truncate), template.isEmpty() ? null : template, value(chatTemplate),
                system.isEmpty() ? null : system, 2 * (Integer) value(maxSequences));
        s.sampling(0);
        return s;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = value(inputCol), id = value(idCol);
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(in)) {
            throw new IllegalArgumentException("input column '" + in + "' not found among " + names);
        }
        if (!schema.apply(in).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("input column '" + in + "' must be a string, is " + schema.apply(in).dataType().simpleString());
        }
        if (!names.contains(id)) {
            throw new IllegalArgumentException("id column '" + id + "' not found among " + names);
        }
        KvCache.Type.parse(value(kvType));
        return OutputColumns.extend(schema, value(outputCol));
    }

    /** Completes every row, counting into new accumulators (see {@link #lastMetrics()}). */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        return transform(dataset, new JobMetrics(dataset.sparkSession().sparkContext()));
    }

    /** Completes every row, counting into the given accumulators. */
    public Dataset<Row> transform(Dataset<?> dataset, JobMetrics metrics) {
        StructType out = transformSchema(dataset.schema());
        GenerationSettings settings = settings();
        Broadcast<EngineSpec> spec = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(engineSpec());
        this.lastMetrics = metrics;
        return dataset.toDF().mapPartitions(new GenerationTask(spec, settings, dataset.schema(), metrics), Encoders.row(out));
    }

    /** The accumulators of the last {@link #transform} (filled as its result is computed). */
    public JobMetrics lastMetrics() {
        return lastMetrics;
    }

    @Override
    public LlamaGenerator copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
