package io.sparkllama.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Labels rows by choosing, for each prompt, the most likely of a set of options: the
 * log-likelihood of every option as a continuation of the prompt (lm-evaluation-harness's split
 * of context and continuation), with the prompt's KV computed once per row and shared by its
 * options, which run side by side. The options are the same for every row ({@link #options()})
 * or come from an array column ({@link #optionsCol()}).
 *
 * <p>Adds {@code label} ({@link #outputCol()}: the chosen option), {@code label_index},
 * {@code label_probs} (softmax over the options' total log-likelihoods), {@code option_logprobs},
 * {@code option_tokens}, {@code prompt_tokens}, {@code error} and {@code latency_ms}. Rows that
 * cannot be scored become error rows. A long instruction shared by every row (a prompt template)
 * is computed once per executor with {@link #setPrefixCache}.
 */
public final class LlamaChooser extends ChattingTransformer<LlamaChooser> {
    private static final long serialVersionUID = 1L;

    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final StringArrayParam options;
    private final Param<String> optionsCol;
    private final Param<String> promptTemplate;

    public LlamaChooser() {
        this(Identifiable$.MODULE$.randomUID("llamaChooser"));
    }

    public LlamaChooser(String uid) {
        super(uid);
        inputCol = new Param<>(this, "inputCol", "column holding the prompt (the context of the options)");
        outputCol = new Param<>(this, "outputCol", "column to write the chosen option to");
        options = new StringArrayParam(this, "options", "the options every row chooses from (a leading space matters)");
        optionsCol = new Param<>(this, "optionsCol", "array<string> column with each row's options; empty to use options");
        promptTemplate = new Param<>(this, "promptTemplate", "template with {column} placeholders; empty to use the input column");
        setDefault(inputCol, "prompt");
        setDefault(outputCol, "label");
        setDefault(options, new String[0]);
        setDefault(optionsCol, "");
        setDefault(promptTemplate, "");
    }

    public Param<String> inputCol() { return inputCol; }
    public Param<String> outputCol() { return outputCol; }
    public StringArrayParam options() { return options; }
    public Param<String> optionsCol() { return optionsCol; }
    public Param<String> promptTemplate() { return promptTemplate; }

    public LlamaChooser setInputCol(String v) { set(inputCol, v); return this; }
    public LlamaChooser setOutputCol(String v) { set(outputCol, v); return this; }
    public LlamaChooser setOptions(String... v) { set(options, v); return this; }
    public LlamaChooser setOptionsCol(String v) { set(optionsCol, v == null ? "" : v); return this; }
    public LlamaChooser setPromptTemplate(String v) { set(promptTemplate, v == null ? "" : v); return this; }

    ScoringSettings settings() {
        String[] fixed = value(options);
        String column = value(optionsCol);
        if (column.isEmpty() && fixed.length < 2) {
            throw new IllegalArgumentException("LlamaChooser: set at least two options (setOptions) or an options column (setOptionsCol)");
        }
        String template = value(promptTemplate);
        return new ScoringSettings(true, value(idCol()), value(inputCol), List.of(fixed), column.isEmpty() ? null : column,
                null, null, template.isEmpty() ? null : template, chatSettings(), inFlight());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = value(inputCol), column = value(optionsCol);
        requireColumns(schema, in, value(idCol()));
        requireText(schema, in);
        if (!column.isEmpty()) {
            requireColumns(schema, column);
            if (!(schema.apply(column).dataType() instanceof ArrayType a)
                    || !(a.elementType().equals(DataTypes.StringType) || a.elementType().equals(DataTypes.BinaryType))) {
                throw new IllegalArgumentException("options column '" + column + "' must be array<string> (or array<binary>), is "
                        + schema.apply(column).dataType().simpleString());
            }
        }
        settings();
        return OutputColumns.append(schema, ScoringPartition.chooseColumns(value(outputCol)));
    }

    @Override
    protected MapPartitionsFunction<Row, Row> partitionFunction(Broadcast<EngineSpec> spec, StructType input, JobMetrics metrics) {
        return new ScoringPartition(spec, settings(), input, metrics);
    }

    @Override
    public LlamaChooser copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a saved LlamaChooser (Spark ML persistence; also what {@code Pipeline} loading calls). */
    public static MLReader<LlamaChooser> read() {
        return reader();
    }

    /** Loads a LlamaChooser saved with {@link #save}. */
    public static LlamaChooser load(String path) {
        return read().load(path);
    }
}
