package io.sparkllama.spark;

import io.sparkllama.engine.ChatFormat;
import io.sparkllama.engine.Engine;
import io.sparkllama.engine.FinishReason;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.PromptTemplate;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.engine.Seeds;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

import java.util.Iterator;
import java.util.concurrent.CompletableFuture;

/**
 * The work of one partition: every input row is turned into a request for this executor's
 * engine (shared with the executor's other tasks, whose rows it batches together), and comes out
 * as the same row plus the result columns, in input order. A row that cannot be run (null id,
 * null or blank prompt, binary text that is not valid UTF-8, bad per-row parameters, a prompt the
 * context cannot hold) becomes an error row; no row is dropped and no row fails the task.
 *
 * <p>Optional per-row parameter columns override the job's settings: {@code max_tokens},
 * {@code temperature}, {@code top_p}, {@code top_k} (numbers), {@code seed} (integer) and
 * {@code stop} (string or array of strings).
 */
final class GenerationPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<EngineSpec> spec;
    private final GenerationSettings settings;
    private final StructType inputSchema;
    private final JobMetrics metrics;

    GenerationPartition(Broadcast<EngineSpec> spec, GenerationSettings settings, StructType inputSchema, JobMetrics metrics) {
        this.spec = spec;
        this.settings = settings;
        this.inputSchema = inputSchema;
        this.metrics = metrics;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
        EngineRegistry.Lease lease = TaskResources.leaseEngine(spec.value());
        Engine engine = lease.engine();
        PromptTemplate template = settings.promptTemplate();
        ChatSettings.ForRows chat = settings.chat().forRows(engine.model());
        int promptIndex = settings.messagesColumn() != null ? inputSchema.fieldIndex(settings.messagesColumn())
                : inputSchema.fieldIndex(settings.promptColumn());
        int idIndex = inputSchema.fieldIndex(settings.idColumn());
        RowPipeline<GenerationResult> pipeline = new RowPipeline<>(rows, settings.inFlight(), row -> {
            try {
                return engine.submit(request(row, template, chat, promptIndex, idIndex));
            } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(GenerationResult.error(e.getMessage(), 0));
            }
        }, (row, r, latencyMs) -> {
            metrics.record(r.finishReason() == FinishReason.ERROR, r.promptTokens(), r.completionTokens());
            return RowFactory.create(RowPipeline.append(row, r.finishReason() == FinishReason.ERROR ? null : r.text(),
                    r.promptTokens(), r.completionTokens(), r.finishReason().label(), r.error(), latencyMs));
        }, lease::close);
        TaskResources.closeOnCompletion(pipeline::close); // a limit() or a killed task leaves requests pending
        return pipeline;
    }

    private GenerationRequest request(Row row, PromptTemplate template, ChatSettings.ForRows chatForRows, int promptIndex,
                                      int idIndex) {
        Object id = row.get(idIndex);
        if (id == null) {
            throw new IllegalArgumentException("id is null: every row needs an id (it seeds sampling and identifies the row on resume)");
        }
        ChatFormat chat = chatForRows.get();
        String prompt;
        if (settings.messagesColumn() != null) {
            prompt = chat.render(settings.chat().system(), RowPrompts.messages(row.get(promptIndex)));
        } else {
            String user = RowPrompts.render(row, inputSchema, template, promptIndex);
            prompt = chat == null ? user : chat.render(settings.chat().system(), user);
        }
        return GenerationRequest.of(prompt, sampling(row, id)).withTruncateLeft(settings.truncate()).withParseSpecial(chat != null);
    }

    /** The job's sampling settings, with the row's own where it has parameter columns. */
    private SamplingParams sampling(Row row, Object id) {
        SamplingParams p = settings.sampling(Seeds.forRow(settings.jobSeed(), id));
        Object v;
        if ((v = RowPrompts.column(row, inputSchema, "seed")) != null) {
            p = p.withSeed(number("seed", v).longValue());
        }
        if ((v = RowPrompts.column(row, inputSchema, "max_tokens")) != null) {
            p = p.withMaxTokens(intValue("max_tokens", v));
        }
        if ((v = RowPrompts.column(row, inputSchema, "temperature")) != null) {
            p = p.withTemperature(number("temperature", v).floatValue());
        }
        if ((v = RowPrompts.column(row, inputSchema, "top_p")) != null) {
            p = p.withTopP(number("top_p", v).floatValue());
        }
        if ((v = RowPrompts.column(row, inputSchema, "top_k")) != null) {
            p = p.withTopK(intValue("top_k", v));
        }
        if ((v = RowPrompts.column(row, inputSchema, "stop")) != null) {
            p = p.withStop(RowPrompts.strings("stop", v));
        }
        return p;
    }

    private static Number number(String name, Object v) {
        if (v instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException(name + " must be a number, is the " + v.getClass().getSimpleName() + " " + v);
    }

    private static int intValue(String name, Object v) {
        long l = number(name, v).longValue();
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE || (v instanceof Double d && d != Math.rint(d))) {
            throw new IllegalArgumentException(name + " must be an integer that fits 32 bits, is " + v);
        }
        return (int) l;
    }
}
