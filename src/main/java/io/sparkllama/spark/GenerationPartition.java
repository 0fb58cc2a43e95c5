package io.sparkllama.spark;

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

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * The work of one partition: every input row is turned into a request for this executor's
 * engine (shared with the executor's other tasks, whose rows it batches together), and comes out
 * as the same row plus the result columns, in input order. A row that cannot be run (null id,
 * null or blank prompt, text that was not valid UTF-8, bad per-row parameters, a prompt the
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
        Engine engine = EngineRegistry.get(spec.value());
        return new Results(rows, engine);
    }

    /** A pending row: its input values, its result to come, when it was submitted. */
    private record InFlight(Row row, CompletableFuture<GenerationResult> result, long submittedNanos) {
    }

    /** Pulls input rows ahead of the results, keeping up to {@code inFlight} requests at the engine. */
    private final class Results implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Engine engine;
        private final ArrayDeque<InFlight> pending = new ArrayDeque<>();
        private final PromptTemplate template = settings.promptTemplate();
        private final int promptIndex = inputSchema.fieldIndex(settings.promptColumn());
        private final int idIndex = inputSchema.fieldIndex(settings.idColumn());

        Results(Iterator<Row> input, Engine engine) {
            this.input = input;
            this.engine = engine;
        }

        @Override
        public boolean hasNext() {
            while (pending.size() < settings.inFlight() && input.hasNext()) {
                Row row = input.next();
                pending.add(new InFlight(row, submit(row), System.nanoTime()));
            }
            return !pending.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            InFlight f = pending.poll();
            GenerationResult r = f.result.join();
            long latencyMs = (System.nanoTime() - f.submittedNanos) / 1_000_000;
            metrics.record(r);
            Object[] values = Arrays.copyOf(toArray(f.row), f.row.size() + 6);
            int k = f.row.size();
            values[k] = r.finishReason() == FinishReason.ERROR ? null : r.text();
            values[k + 1] = r.promptTokens();
            values[k + 2] = r.completionTokens();
            values[k + 3] = r.finishReason().label();
            values[k + 4] = r.error();
            values[k + 5] = latencyMs;
            return RowFactory.create(values);
        }

        private CompletableFuture<GenerationResult> submit(Row row) {
            try {
                return engine.submit(request(row));
            } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(GenerationResult.error(e.getMessage(), 0));
            }
        }

        private GenerationRequest request(Row row) {
            Object id = row.get(idIndex);
            if (id == null) {
                throw new IllegalArgumentException("id is null: every row needs an id (it seeds sampling and identifies the row on resume)");
            }
            Object promptValue = row.get(promptIndex);
            if (promptValue == null) {
                throw new IllegalArgumentException("prompt is null");
            }
            String prompt = template.render(promptValue.toString(), name -> column(row, name));
            if (prompt.isBlank()) {
                throw new IllegalArgumentException(prompt.isEmpty() ? "prompt is empty" : "prompt is blank");
            }
            int bad = prompt.indexOf('\uFFFD');
            if (bad >= 0) {
                // Spark decodes invalid UTF-8 (and encodes unpaired surrogates) lossily; refuse rather than guess
                throw new IllegalArgumentException("prompt has a U+FFFD replacement character at index " + bad
                        + ": the input text was not valid UTF-8");
            }
            return GenerationRequest.of(prompt, sampling(row, id)).withTruncateLeft(settings.truncate());
        }

        private Object column(Row row, String name) {
            int i = Arrays.asList(inputSchema.fieldNames()).indexOf(name);
            return i < 0 ? null : row.get(i);
        }

        /** The job's sampling settings, with the row's own where it has parameter columns. */
        private SamplingParams sampling(Row row, Object id) {
            SamplingParams p = settings.sampling(Seeds.forRow(settings.jobSeed(), id));
            Object v;
            if ((v = column(row, "seed")) != null) {
                p = p.withSeed(number("seed", v).longValue());
            }
            if ((v = column(row, "max_tokens")) != null) {
                p = p.withMaxTokens(intValue("max_tokens", v));
            }
            if ((v = column(row, "temperature")) != null) {
                p = p.withTemperature(number("temperature", v).floatValue());
            }
            if ((v = column(row, "top_p")) != null) {
                p = p.withTopP(number("top_p", v).floatValue());
            }
            if ((v = column(row, "top_k")) != null) {
                p = p.withTopK(intValue("top_k", v));
            }
            if ((v = column(row, "stop")) != null) {
                p = p.withStop(v instanceof String s ? List.of(s) : stops(v));
            }
            return p;
        }
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

    private static List<String> stops(Object v) {
        if (v instanceof scala.collection.Seq<?> seq) {
            return scala.jdk.javaapi.CollectionConverters.asJava(seq).stream().map(String::valueOf).toList();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        throw new IllegalArgumentException("stop must be a string or an array of strings");
    }

    private static Object[] toArray(Row row) {
        Object[] out = new Object[row.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = row.get(i);
        }
        return out;
    }
}
