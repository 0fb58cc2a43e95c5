package io.sparkllama.spark;

import io.sparkllama.engine.ChatFormat;
import io.sparkllama.engine.Engine;
import io.sparkllama.engine.OptionScore;
import io.sparkllama.engine.PromptTemplate;
import io.sparkllama.engine.ScoreRequest;
import io.sparkllama.engine.ScoreResult;
import io.sparkllama.engine.Scoring;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The work of one partition in choose or score mode: each row becomes a {@link ScoreRequest}
 * (lm-evaluation-harness's split of context and continuation) for this executor's engine, and
 * comes out as the same row plus the mode's result columns, in input order. A row that cannot be
 * scored becomes an error row.
 */
final class ScoringPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<EngineSpec> spec;
    private final ScoringSettings settings;
    private final StructType inputSchema;
    private final JobMetrics metrics;

    ScoringPartition(Broadcast<EngineSpec> spec, ScoringSettings settings, StructType inputSchema, JobMetrics metrics) {
        this.spec = spec;
        this.settings = settings;
        this.inputSchema = inputSchema;
        this.metrics = metrics;
    }

    /** Columns added in choose mode. */
    static StructField[] chooseColumns(String labelColumn) {
        return new StructField[] {
            DataTypes.createStructField(labelColumn, DataTypes.StringType, true),
            DataTypes.createStructField("label_index", DataTypes.IntegerType, true),
            DataTypes.createStructField("label_probs", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
            DataTypes.createStructField("option_logprobs", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
            DataTypes.createStructField("option_tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
            DataTypes.createStructField(OutputColumns.PROMPT_TOKENS, DataTypes.IntegerType, true),
            DataTypes.createStructField(OutputColumns.ERROR, DataTypes.StringType, true),
            DataTypes.createStructField(OutputColumns.LATENCY_MS, DataTypes.LongType, false),
        };
    }

    /** Columns added in score mode. */
    static StructField[] scoreColumns() {
        return new StructField[] {
            DataTypes.createStructField("logprob", DataTypes.DoubleType, true),
            DataTypes.createStructField("token_logprobs", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
            DataTypes.createStructField("num_tokens", DataTypes.IntegerType, true),
            DataTypes.createStructField("is_greedy", DataTypes.BooleanType, true),
            DataTypes.createStructField("perplexity", DataTypes.DoubleType, true),
            DataTypes.createStructField("context_tokens", DataTypes.IntegerType, true),
            DataTypes.createStructField(OutputColumns.ERROR, DataTypes.StringType, true),
            DataTypes.createStructField(OutputColumns.LATENCY_MS, DataTypes.LongType, false),
        };
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        EngineRegistry.Lease lease = TaskResources.leaseEngine(spec.value());
        Engine engine = lease.engine();
        PromptTemplate template = settings.promptTemplate();
        ChatSettings.ForRows chat = settings.chat().forRows(engine.model());
        RowPipeline<ScoreResult> pipeline = new RowPipeline<>(rows, settings.inFlight(), row -> {
            try {
                return engine.submit(request(engine, row, template, chat));
            } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(ScoreResult.error(e.getMessage(), 0));
            }
        }, (row, r, latencyMs) -> {
            int scored = 0;
            for (OptionScore o : r.options()) {
                scored += o.tokens().length;
            }
            metrics.record(r.error() != null, r.contextTokens(), scored);
            return RowFactory.create(settings.choose() ? chosen(row, r, latencyMs) : scored(row, r, latencyMs));
        }, lease::close);
        TaskResources.closeOnCompletion(pipeline::close); // a limit() or a killed task leaves requests pending
        return pipeline;
    }

    private ScoreRequest request(Engine engine, Row row, PromptTemplate template, ChatSettings.ForRows chatForRows) {
        if (row.get(inputSchema.fieldIndex(settings.idColumn())) == null) {
            throw new IllegalArgumentException("id is null: every row needs an id (it identifies the row on resume)");
        }
        if (settings.choose()) {
            String prompt = RowPrompts.render(row, inputSchema, template, inputSchema.fieldIndex(settings.promptColumn()));
            List<String> options = settings.optionsColumn() == null ? settings.options()
                    : RowPrompts.options(RowPrompts.column(row, inputSchema, settings.optionsColumn()));
            ChatFormat chat = chatForRows.get();
            if (chat != null) {
                return Scoring.request(engine.model().tokenizer(), chat.render(settings.chat().system(), prompt), options, true);
            }
            return Scoring.request(engine.model().tokenizer(), prompt, options);
        }
        String context = "";
        if (settings.contextColumn() != null) {
            Object c = RowPrompts.column(row, inputSchema, settings.contextColumn());
            if (c == null) {
                throw new IllegalArgumentException("context is null");
            }
            context = RowPrompts.text("context", c);
        }
        Object continuation = RowPrompts.column(row, inputSchema, settings.continuationColumn());
        String text = RowPrompts.checkText("continuation", RowPrompts.text("continuation", continuation));
        return Scoring.request(engine.model().tokenizer(), context, List.of(text));
    }

    private Object[] chosen(Row row, ScoreResult r, long latencyMs) {
        if (r.error() != null) {
            return RowPipeline.append(row, null, null, null, null, null, r.contextTokens() == 0 ? null : r.contextTokens(),
                    r.error(), latencyMs);
        }
        List<String> options = settings.optionsColumn() == null ? settings.options()
                : RowPrompts.options(RowPrompts.column(row, inputSchema, settings.optionsColumn()));
        List<Double> probs = new ArrayList<>(), logprobs = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        for (double p : r.probabilities()) {
            probs.add(p);
        }
        for (OptionScore o : r.options()) {
            logprobs.add(o.logprob());
            tokens.add(o.tokens().length);
        }
        return RowPipeline.append(row, options.get(r.best()), r.best(), RowPipeline.seq(probs), RowPipeline.seq(logprobs),
                RowPipeline.seq(tokens), r.contextTokens(), null, latencyMs);
    }

    private static Object[] scored(Row row, ScoreResult r, long latencyMs) {
        if (r.error() != null) {
            return RowPipeline.append(row, null, null, null, null, null, r.contextTokens() == 0 ? null : r.contextTokens(),
                    r.error(), latencyMs);
        }
        OptionScore o = r.options().get(0);
        List<Double> perToken = new ArrayList<>();
        for (double lp : o.tokenLogprobs()) {
            perToken.add(lp);
        }
        return RowPipeline.append(row, o.logprob(), RowPipeline.seq(perToken), o.tokens().length, o.greedy(), o.perplexity(),
                r.contextTokens(), null, latencyMs);
    }
}
