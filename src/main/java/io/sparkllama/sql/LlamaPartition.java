package io.sparkllama.sql;

import io.sparkllama.engine.Engine;
import io.sparkllama.spark.ChatSettings;
import io.sparkllama.spark.EngineRegistry;
import io.sparkllama.spark.EngineSpec;
import io.sparkllama.spark.RequestPipeline;
import io.sparkllama.spark.TaskResources;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.CatalystTypeConverters$;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What {@link LlamaEvalExec} runs on each partition: the rows' calls go to the executor's shared
 * engines through a {@link RequestPipeline} (up to twice the engine's sequences in flight, input
 * order kept, pending requests cancelled when the task is killed or stops early), and each row
 * comes out with one result struct per call appended.
 */
final class LlamaPartition implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;

    private final List<CallSpec> specs;
    /** Each call's row arguments (the options map left out), over the child's output. */
    private final List<List<Expression>> arguments;
    private final List<Attribute> input;
    private final List<Attribute> output;

    LlamaPartition(List<CallSpec> specs, List<List<Expression>> arguments, List<Attribute> input, List<Attribute> output) {
        this.specs = new ArrayList<>(specs);
        this.arguments = new ArrayList<>(arguments);
        this.input = new ArrayList<>(input);
        this.output = new ArrayList<>(output);
    }

    /** A row's arguments (per call) and results (per call), once every call of the row is answered. */
    private record Answered(Object[][] arguments, Object[] results) {
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) throws Exception {
        Map<EngineSpec, EngineRegistry.Lease> leases = new LinkedHashMap<>();
        for (CallSpec s : specs) {
            if (!leases.containsKey(s.engine())) {
                leases.put(s.engine(), TaskResources.leaseEngine(s.engine()));
            }
        }
        List<ChatSettings.ForRows> chats = new ArrayList<>(); // each call's template on its engine's model, resolved once
        for (CallSpec s : specs) {
            chats.add(s.chat().forRows(leases.get(s.engine()).engine().model()));
        }
        List<Expression> flat = new ArrayList<>();
        List<Function1<Object, Object>> toExternal = new ArrayList<>();
        for (List<Expression> args : arguments) {
            for (Expression e : args) {
                flat.add(e);
                toExternal.add(CatalystTypeConverters$.MODULE$.createToScalaConverter(e.dataType()));
            }
        }
        UnsafeProjection evaluateArguments = UnsafeProjection.create(seq(flat), seq(input));
        List<Expression> outputExpressions = new ArrayList<>(output);
        UnsafeProjection project = UnsafeProjection.create(seq(outputExpressions), seq(output));
        int inFlight = specs.stream().mapToInt(CallSpec::inFlight).max().orElse(1);
        Iterator<InternalRow> copies = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public InternalRow next() {
                return rows.next().copy(); // the scan reuses its row objects; requests outlive them
            }
        };
        RequestPipeline<InternalRow, InternalRow, Answered> pipeline = new RequestPipeline<>(copies, inFlight, row -> {
            UnsafeRow values = evaluateArguments.apply(row);
            Object[][] args = new Object[specs.size()][];
            CompletableFuture<?>[] parts = new CompletableFuture<?>[specs.size()];
            int k = 0;
            for (int c = 0; c < specs.size(); c++) {
                args[c] = new Object[arguments.get(c).size()];
                for (int i = 0; i < args[c].length; i++, k++) {
                    args[c][i] = toExternal.get(k).apply(values.get(k, flat.get(k).dataType()));
                }
                CallSpec s = specs.get(c);
                parts[c] = s.function().submit(leases.get(s.engine()).engine(), s, chats.get(c), args[c]);
            }
            return all(parts, args);
        }, (row, answered, latencyMs) -> {
            Object[] structs = new Object[specs.size()];
            for (int c = 0; c < structs.length; c++) {
                structs[c] = specs.get(c).function().result(answered.results[c], answered.arguments[c]);
            }
            return project.apply(new JoinedRow(row, new GenericInternalRow(structs)));
        }, () -> leases.values().forEach(EngineRegistry.Lease::close));
        TaskResources.closeOnCompletion(pipeline::close); // a limit() or a killed task leaves requests pending
        return pipeline;
    }

    /** One future for a row's requests; cancelling it cancels each of them at the engine. */
    private static CompletableFuture<Answered> all(CompletableFuture<?>[] parts, Object[][] args) {
        CompletableFuture<Answered> all = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterrupt) {
                for (CompletableFuture<?> p : parts) {
                    p.cancel(mayInterrupt);
                }
                return super.cancel(mayInterrupt);
            }
        };
        CompletableFuture.allOf(parts).whenComplete((v, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                if (!(cause instanceof CancellationException)) {
                    all.completeExceptionally(cause);
                }
                return;
            }
            Object[] results = new Object[parts.length];
            for (int i = 0; i < parts.length; i++) {
                results[i] = parts[i].join();
            }
            all.complete(new Answered(args, results));
        });
        return all;
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toList();
    }
}
