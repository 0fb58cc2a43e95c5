package io.sparkllama.sql;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Unevaluable;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A call of llama_generate, llama_score or llama_choose in a query: a marker that is never
 * evaluated row by row. {@link LlamaStrategy} takes every call out of the Project or Filter that
 * holds it into a {@link LlamaEvalExec}, which runs a partition's calls in batches on the
 * executor's engine (as Spark's Python UDFs are taken into a BatchEvalPythonExec).
 */
public final class LlamaCall extends Expression implements Unevaluable, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final Seq<Expression> arguments;
    private final LlamaFunction function;

    /** The constructor Spark's {@code makeCopy} finds: one parameter per product element. */
    public LlamaCall(String name, Seq<Expression> arguments) {
        this.name = name;
        this.arguments = arguments;
        this.function = LlamaFunction.bySqlName(name);
    }

    LlamaCall(LlamaFunction function, List<Expression> arguments) {
        this(function.sqlName(), CollectionConverters.asScala(arguments).toList());
    }

    LlamaFunction function() {
        return function;
    }

    /** The arguments evaluated for each row: all but the options map. */
    List<Expression> rowArguments() {
        List<Expression> out = new java.util.ArrayList<>(CollectionConverters.asJava(arguments));
        if (out.size() > function.optionsIndex()) {
            out.remove(function.optionsIndex());
        }
        return out;
    }

    /** The options map, evaluated on the driver (it must be a constant); keys as given. */
    Map<String, String> options() {
        Map<String, String> out = new LinkedHashMap<>();
        if (arguments.size() <= function.optionsIndex()) {
            return out;
        }
        Expression e = arguments.apply(function.optionsIndex());
        Object v = e.eval(null);
        if (v == null) {
            return out;
        }
        MapType t = (MapType) e.dataType();
        MapData m = (MapData) v;
        for (int i = 0; i < m.numElements(); i++) {
            Object value = m.valueArray().isNullAt(i) ? null : m.valueArray().get(i, t.valueType());
            out.put(String.valueOf(m.keyArray().get(i, t.keyType())), value == null ? null : value.toString());
        }
        return out;
    }

    @Override
    public TypeCheckResult checkInputDataTypes() {
        int n = arguments.size();
        if (n < function.minArgs() || n > function.maxArgs()) {
            return new TypeCheckResult.TypeCheckFailure(function.sqlName() + " takes " + function.minArgs() + " to "
                    + function.maxArgs() + " arguments, got " + n + ": " + function.usage());
        }
        for (int i = 0; i < n; i++) {
            String problem = function.checkArgument(i, arguments.apply(i).dataType());
            if (problem != null) {
                return new TypeCheckResult.TypeCheckFailure(function.sqlName() + ": " + problem + "; " + function.usage());
            }
        }
        if (n > function.optionsIndex() && !arguments.apply(function.optionsIndex()).foldable()) {
            return new TypeCheckResult.TypeCheckFailure(function.sqlName()
                    + ": the options must be a constant map, e.g. map('max.tokens', '32'), not a column");
        }
        return TypeCheckResult.TypeCheckSuccess$.MODULE$;
    }

    @Override
    public String prettyName() {
        return name;
    }

    @Override
    public boolean nullable() {
        return false;
    }

    @Override
    public DataType dataType() {
        return function.resultType();
    }

    @Override
    public Object eval(InternalRow input) {
        throw unsupported();
    }

    @Override
    public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
        throw unsupported();
    }

    private UnsupportedOperationException unsupported() {
        return new UnsupportedOperationException(name + " runs in batches on the engine, and can be used in a SELECT list "
                + "or a WHERE clause (of a query, subquery or CTE) only; compute it in a subquery and use its column here");
    }

    @Override
    public Seq<Expression> children() {
        return arguments;
    }

    @Override
    public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
        return new LlamaCall(name, newChildren.toList());
    }

    @Override
    public int productArity() {
        return 2;
    }

    @Override
    public Object productElement(int n) {
        return switch (n) {
            case 0 -> name;
            case 1 -> arguments;
            default -> throw new IndexOutOfBoundsException(String.valueOf(n));
        };
    }

    @Override
    public boolean canEqual(Object that) {
        return that instanceof LlamaCall;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LlamaCall c && c.name.equals(name) && c.arguments.equals(arguments);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, arguments);
    }
}
