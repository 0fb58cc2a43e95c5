package io.sparkllama.sql;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.SparkPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The physical operator of llama_* calls: its child's rows, each with one result struct per call
 * appended ({@code results}, in the order of {@code calls}). Like Spark's BatchEvalPythonExec, it
 * runs a whole partition at a time ({@link LlamaPartition}), so many rows are at the executor's
 * engine at once.
 *
 * @see LlamaStrategy
 */
public final class LlamaEvalExec extends SparkPlan {
    private static final long serialVersionUID = 1L;

    private final Seq<Expression> calls;
    private final Seq<Attribute> results;
    private final List<CallSpec> specs;
    private final SparkPlan child;

    /** The constructor Spark's {@code makeCopy} finds: one parameter per product element. */
    public LlamaEvalExec(Seq<Expression> calls, Seq<Attribute> results, List<CallSpec> specs, SparkPlan child) {
        this.calls = calls;
        this.results = results;
        this.specs = List.copyOf(specs);
        this.child = child;
    }

    public SparkPlan child() {
        return child;
    }

    @Override
    public Seq<Attribute> output() {
        List<Attribute> out = new ArrayList<>(CollectionConverters.asJava(child.output()));
        out.addAll(CollectionConverters.asJava(results));
        return CollectionConverters.asScala(out).toList();
    }

    @Override
    public AttributeSet producedAttributes() {
        @SuppressWarnings("unchecked")
        scala.collection.Iterable<Expression> attrs = (scala.collection.Iterable<Expression>) (Object) results;
        return AttributeSet.apply(attrs);
    }

    @Override
    public RDD<InternalRow> doExecute() {
        List<List<Expression>> arguments = new ArrayList<>();
        for (Expression e : CollectionConverters.asJava(calls)) {
            arguments.add(((LlamaCall) e).rowArguments());
        }
        LlamaPartition partition = new LlamaPartition(specs, arguments, CollectionConverters.asJava(child.output()),
                CollectionConverters.asJava(output()));
        return child.execute().toJavaRDD().mapPartitions(partition).rdd();
    }

    @Override
    public Seq<SparkPlan> children() {
        return CollectionConverters.asScala(List.of(child)).toList();
    }

    @Override
    public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
        return new LlamaEvalExec(calls, results, specs, newChildren.apply(0));
    }

    @Override
    public int productArity() {
        return 4;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> calls;
            case 1 -> results;
            case 2 -> specs;
            case 3 -> child;
            default -> throw new IndexOutOfBoundsException(String.valueOf(n));
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof LlamaEvalExec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LlamaEvalExec e && e.calls.equals(calls) && e.results.equals(results) && e.specs.equals(specs)
                && e.child.equals(child);
    }

    @Override
    public int hashCode() {
        return Objects.hash(calls, results, specs, child);
    }
}
