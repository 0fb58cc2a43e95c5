package io.sparkllama.spark;

import io.sparkllama.engine.ByteSize;
import io.sparkllama.model.KvCache;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What every spark-llama transformer shares: the model, the id column, and how each executor's
 * engine is sized. Subclasses add their mode's params and output columns.
 *
 * <p>Transformers are saved with their params ({@link #write()}, {@link #save}, alone or in a
 * {@code Pipeline}/{@code PipelineModel}) and read back with each class's static
 * {@code read()}/{@code load(path)}, as Spark's {@code DefaultParamsReadable} companions do. Only
 * params that are set are saved as set; one left unset takes the session's
 * {@code spark.llama.*} setting, or its default, when the loaded transformer runs.
 *
 * @param <T> the concrete transformer, for fluent setters
 */
public abstract class LlamaTransformer<T extends LlamaTransformer<T>> extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final Param<String> tokenizer;
    private final Param<String> idCol;
    private final IntParam maxSequences;
    private final Param<String> kvType;
    private final IntParam contextLength;
    private final IntParam prefillChunk;
    private final IntParam threads;
    private final IntParam prefixCache;
    private final Param<String> kvMemory;
    private final IntParam kvBlockSize;
    private transient JobMetrics lastMetrics;
    private transient EngineSpec checkedSpec;

    protected LlamaTransformer(String uid) {
        this.uid = uid; // before the params, which take their parent's uid
        model = new Param<>(this, "model", "model location: local path or Hadoop URI (GGUF or llama2.c)");
        tokenizer = new Param<>(this, "tokenizer", "tokenizer location, empty when the model embeds one");
        idCol = new Param<>(this, "idCol", "column identifying each row; seeds its sampling");
        maxSequences = new IntParam(this, "maxSequences", "sequences each executor decodes together");
        kvType = new Param<>(this, "kvType", "KV cache element type: f32 or f16");
        contextLength = new IntParam(this, "contextLength", "positions per sequence, 0 for the model's");
        prefillChunk = new IntParam(this, "prefillChunk", "prompt tokens per engine step");
        threads = new IntParam(this, "threads", "compute threads per executor, 0 for the executor's cores");
        prefixCache = new IntParam(this, "prefixCache",
                "1 (any value > 0): each executor keeps the full KV blocks of recent prompts, so rows sharing a prefix "
                        + "reuse its keys and values; 0: off");
        kvMemory = new Param<>(this, "kvMemory", "KV cache memory per executor, e.g. 4g; empty: every sequence at the "
                + "full context, at most 60% of the heap left after the weights");
        kvBlockSize = new IntParam(this, "kvBlockSize", "positions per KV cache block");
        setDefault(tokenizer, "");
        setDefault(idCol, "id");
        setDefault(maxSequences, 16);
        setDefault(kvType, "f32");
        setDefault(contextLength, 0);
        setDefault(prefillChunk, 64);
        setDefault(threads, 0);
        setDefault(prefixCache, 0);
        setDefault(kvMemory, "");
        setDefault(kvBlockSize, KvCache.DEFAULT_BLOCK_SIZE);
    }

    @Override
    public String uid() {
        return uid;
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    public Param<String> model() { return model; }
    public Param<String> tokenizer() { return tokenizer; }
    public Param<String> idCol() { return idCol; }
    public IntParam maxSequences() { return maxSequences; }
    public Param<String> kvType() { return kvType; }
    public IntParam contextLength() { return contextLength; }
    public IntParam prefillChunk() { return prefillChunk; }
    public IntParam threads() { return threads; }
    public IntParam prefixCache() { return prefixCache; }
    public Param<String> kvMemory() { return kvMemory; }
    public IntParam kvBlockSize() { return kvBlockSize; }

    public T setModel(String v) { set(model, v); return self(); }
    public T setTokenizer(String v) { set(tokenizer, v == null ? "" : v); return self(); }
    public T setIdCol(String v) { set(idCol, v); return self(); }
    public T setMaxSequences(int v) { set(maxSequences, v); return self(); }
    public T setKvType(String v) { set(kvType, v); return self(); }
    public T setContextLength(int v) { set(contextLength, v); return self(); }
    public T setPrefillChunk(int v) { set(prefillChunk, v); return self(); }
    public T setThreads(int v) { set(threads, v); return self(); }
    public T setPrefixCache(int v) { set(prefixCache, v); return self(); }
    public T setKvMemory(String v) { set(kvMemory, v == null ? "" : v); return self(); }
    public T setKvBlockSize(int v) { set(kvBlockSize, v); return self(); }

    /**
     * A param's value: as set; else the active session's {@code spark.llama.<key>}
     * ({@link SparkLlamaConf#PARAM_KEYS}); else its default. (Scala's numeric and boolean params
     * have the overloads below.)
     */
    @SuppressWarnings("unchecked")
    protected <V> V value(Param<V> p) {
        return (V) resolve(p);
    }

    protected int value(IntParam p) {
        return (Integer) resolve(p);
    }

    protected long value(LongParam p) {
        return (Long) resolve(p);
    }

    protected double value(DoubleParam p) {
        return (Double) resolve(p);
    }

    protected boolean value(BooleanParam p) {
        return (Boolean) resolve(p);
    }

    private Object resolve(Param<?> p) {
        if (!isSet(p)) {
            String key = sessionKey(p);
            String v = key == null ? null : SparkLlamaConf.active().get(key);
            if (v != null) {
                return parse(p, key, v);
            }
        }
        return getOrDefault(p);
    }

    /**
     * Sets the param that job key {@code jobKey} ({@code llama.x}) stands for
     * ({@link SparkLlamaConf#PARAM_KEYS}) from text, parsed as a Spark conf value would be; a bad
     * value fails naming {@code name}.
     *
     * @throws IllegalArgumentException when this transformer has no param for the key, or the value is bad
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public T setFromText(String jobKey, String value, String name) {
        String paramName = SparkLlamaConf.PARAM_KEYS.entrySet().stream().filter(e -> e.getValue().equals(jobKey))
                .map(Map.Entry::getKey).filter(this::hasParam).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(getClass().getSimpleName() + " has no setting " + jobKey));
        Param p = getParam(paramName);
        set(p, parse(p, name, value));
        return self();
    }

    /** The Spark conf key that stands for {@code p}, or null. */
    private static String sessionKey(Param<?> p) {
        String jobKey = SparkLlamaConf.PARAM_KEYS.get(p.name());
        return jobKey == null ? null : SparkLlamaConf.sparkKey(jobKey);
    }

    /** A session setting as the param's type; a bad value fails naming the key. */
    private static Object parse(Param<?> p, String key, String value) {
        String v = value.trim();
        try {
            if (p instanceof IntParam) {
                return Integer.parseInt(v);
            } else if (p instanceof LongParam) {
                return Long.parseLong(v);
            } else if (p instanceof DoubleParam) {
                return Double.parseDouble(v);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, is '" + value + "'");
        }
        if (p instanceof BooleanParam) {
            if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(key + " must be true or false, is '" + value + "'");
            }
            return Boolean.parseBoolean(v);
        } else if (p instanceof StringArrayParam) {
            return JobConfig.strings(key, value);
        }
        return value;
    }

    /** The engine spec these params describe (what is broadcast). */
    public EngineSpec engineSpec() {
        if (!isDefined(model) && SparkLlamaConf.active().get(sessionKey(model)) == null) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                    + ": set the model location (setModel, or spark.llama.model in the Spark conf)");
        }
        String tok = value(tokenizer);
        String memory = value(kvMemory).trim();
        return new EngineSpec(ModelLocations.forExecutors(value(model)),
                tok.isEmpty() ? null : ModelLocations.forExecutors(tok), value(maxSequences),
                value(contextLength), value(kvType), value(prefillChunk), value(threads),
                memory.isEmpty() ? 0 : ByteSize.parse(memory), value(prefixCache), value(kvBlockSize));
    }

    /** The reader of a transformer class's saved params (what Spark's {@code DefaultParamsReadable} gives a Scala companion). */
    static <R> MLReader<R> reader() {
        return new DefaultParamsReadable<R>() {
        }.read();
    }

    /** Checks that the named columns exist (and, with a type, have it); also checks the engine settings. */
    protected void requireColumns(StructType schema, String... columns) {
        List<String> names = Arrays.asList(schema.fieldNames());
        for (String c : columns) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("column '" + c + "' not found among " + names);
            }
        }
        KvCache.Type.parse(value(kvType));
        engineSpec(); // every engine setting checked on the driver, not on the first executor
    }

    /** Fails unless each of {@code columns} holds text: a string, or binary UTF-8 (checked row by row). */
    protected static void requireText(StructType schema, String... columns) {
        for (String c : columns) {
            org.apache.spark.sql.types.DataType t = schema.apply(c).dataType();
            if (!t.equals(org.apache.spark.sql.types.DataTypes.StringType) && !t.equals(org.apache.spark.sql.types.DataTypes.BinaryType)) {
                throw new IllegalArgumentException("column '" + c + "' must be a string (or binary UTF-8), is " + t.simpleString());
            }
        }
    }

    /** Runs every row through the engine, counting into new accumulators (see {@link #lastMetrics()}). */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        return transform(dataset, new JobMetrics(dataset.sparkSession().sparkContext()));
    }

    /**
     * Runs every row through the engine, counting rows and tokens into {@code metrics}. The model
     * is checked on the driver first: a missing or corrupt file fails here, naming it, before
     * any task runs.
     */
    public Dataset<Row> transform(Dataset<?> dataset, JobMetrics metrics) {
        SparkSession spark = dataset.sparkSession();
        SparkLlamaConf.warnUnknown(SparkLlamaConf.of(spark), System.err);
        StructType out = transformSchema(dataset.schema());
        EngineSpec engineSpec = engineSpec();
        try {
            checkModelOnDriver(spark, engineSpec);
        } catch (IOException e) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        Broadcast<EngineSpec> spec = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(engineSpec);
        MapPartitionsFunction<Row, Row> partition = partitionFunction(spec, dataset.schema(), metrics);
        this.lastMetrics = metrics;
        return dataset.toDF().mapPartitions(partition, Encoders.row(out));
    }

    /**
     * Checks the model (and tokenizer) of {@code spec} on the driver, once per spec: see
     * {@link BatchJob#checkModelOnDriver}.
     */
    void checkModelOnDriver(SparkSession spark, EngineSpec spec) throws IOException {
        if (!spec.equals(checkedSpec)) {
            BatchJob.checkModelOnDriver(spark, spec, spec.model(), spec.tokenizer());
            checkedSpec = spec;
        }
    }

    /** The accumulators of the last {@link #transform} (filled as its result is computed). */
    public JobMetrics lastMetrics() {
        return lastMetrics;
    }

    /** What each partition runs: its rows in, the same rows with this mode's columns out, in order. */
    protected abstract MapPartitionsFunction<Row, Row> partitionFunction(Broadcast<EngineSpec> spec, StructType input,
                                                                         JobMetrics metrics);

    /** How many requests each task keeps at the engine: enough to fill it alone. */
    protected int inFlight() {
        return 2 * value(maxSequences);
    }
}
