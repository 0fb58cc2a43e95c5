package io.sparkllama.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Scores text: the log-likelihood of a continuation after a context, as lm-evaluation-harness
 * defines its loglikelihood request (see {@link io.sparkllama.engine.Scoring} for the split of
 * context and continuation); with no context column, the text is scored right after BOS.
 *
 * <p>Adds {@code logprob} (sum over the continuation's tokens), {@code token_logprobs},
 * {@code num_tokens}, {@code is_greedy} (whether greedy decoding would produce exactly the
 * continuation), {@code perplexity} ({@code exp(-logprob / num_tokens)}), {@code context_tokens},
 * {@code error} and {@code latency_ms}.
 */
public final class LlamaScorer extends LlamaTransformer<LlamaScorer> {
    private static final long serialVersionUID = 1L;

    private final Param<String> contextCol;
    private final Param<String> continuationCol;

    public LlamaScorer() {
        this(Identifiable$.MODULE$.randomUID("llamaScorer"));
    }

    public LlamaScorer(String uid) {
        super(uid);
        contextCol = new Param<>(this, "contextCol", "column holding the context; empty to score the continuation after BOS");
        continuationCol = new Param<>(this, "continuationCol", "column holding the text to score");
        setDefault(contextCol, "");
        setDefault(continuationCol, "text");
    }

    public Param<String> contextCol() { return contextCol; }
    public Param<String> continuationCol() { return continuationCol; }

    public LlamaScorer setContextCol(String v) { set(contextCol, v == null ? "" : v); return this; }
    public LlamaScorer setContinuationCol(String v) { set(continuationCol, v); return this; }

    ScoringSettings settings() {
        String context = value(contextCol);
        return new ScoringSettings(false, value(idCol()), null, List.of(), null, context.isEmpty() ? null : context,
                value(continuationCol), null, ChatSettings.OFF, inFlight());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String context = value(contextCol);
        requireColumns(schema, value(continuationCol), value(idCol()));
        requireText(schema, value(continuationCol));
        if (!context.isEmpty()) {
            requireColumns(schema, context);
            requireText(schema, context);
        }
        return OutputColumns.append(schema, ScoringPartition.scoreColumns());
    }

    @Override
    protected MapPartitionsFunction<Row, Row> partitionFunction(Broadcast<EngineSpec> spec, StructType input, JobMetrics metrics) {
        return new ScoringPartition(spec, settings(), input, metrics);
    }

    @Override
    public LlamaScorer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Reads a saved LlamaScorer (Spark ML persistence; also what {@code Pipeline} loading calls). */
    public static MLReader<LlamaScorer> read() {
        return reader();
    }

    /** Loads a LlamaScorer saved with {@link #save}. */
    public static LlamaScorer load(String path) {
        return read().load(path);
    }
}
