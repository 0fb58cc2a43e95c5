package io.sparkllama.sql;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.execution.FilterExec;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.types.Metadata;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans the Projects and Filters that hold llama_* calls, as Spark's ExtractPythonUDFs does for
 * Python UDFs after the optimizer: the calls are taken out into a {@link LlamaEvalExec} under the
 * operator, which then reads their results as columns. Calls whose arguments hold other calls
 * get one LlamaEvalExec per level, innermost first; equal calls in one operator run once.
 *
 * <p>In a Filter, the conditions without calls are applied first, so the model runs only on rows
 * that pass them. A Project or Filter without calls directly above one with calls is planned
 * alone, so that no scan strategy folds the calls into a scan's filters. Calls anywhere else
 * (an aggregate, a sort, a join condition that needs both sides) fail the query with a message
 * saying to compute them in a subquery.
 */
public final class LlamaStrategy extends SparkStrategy {
    private final SparkSession session;

    public LlamaStrategy(SparkSession session) {
        this.session = session;
    }

    @Override
    public Seq<SparkPlan> apply(LogicalPlan plan) {
        if (plan instanceof Project p) {
            List<Expression> list = new ArrayList<>();
            for (NamedExpression n : CollectionConverters.asJava(p.projectList())) {
                list.add((Expression) n);
            }
            if (!holdsCall(list)) {
                return belowHoldsCall(p.child()) ? one(new ProjectExec(p.projectList(), planLater(p.child()))) : none();
            }
            Extracted x = extract(list, planLater(p.child()));
            return one(new ProjectExec(named(x.expressions), x.plan));
        }
        if (plan instanceof Filter f) {
            if (!holdsCall(List.of(f.condition()))) {
                return belowHoldsCall(f.child()) ? one(new FilterExec(f.condition(), planLater(f.child()))) : none();
            }
            List<Expression> plain = new ArrayList<>(), withCalls = new ArrayList<>();
            for (Expression c : conjuncts(f.condition(), new ArrayList<>())) {
                (holdsCall(List.of(c)) || !c.deterministic() ? withCalls : plain).add(c);
            }
            SparkPlan below = planLater(f.child());
            if (!plain.isEmpty()) {
                below = new FilterExec(and(plain), below);
            }
            Extracted x = extract(withCalls, below);
            return one(new ProjectExec(named(CollectionConverters.asJava(f.child().output())),
                    new FilterExec(and(x.expressions), x.plan)));
        }
        for (Expression e : CollectionConverters.asJava(plan.expressions())) {
            LlamaCall call = firstCall(e);
            if (call != null) {
                throw new UnsupportedOperationException(call.prettyName() + " can be used in a SELECT list or a WHERE clause "
                        + "(of a query, subquery or CTE) only, not in " + plan.nodeName() + "; compute it in a subquery and use its "
                        + "column here");
            }
        }
        return none();
    }

    private record Extracted(List<Expression> expressions, SparkPlan plan) {
    }

    /** Takes the calls out of {@code expressions}, level by level, into LlamaEvalExecs over {@code plan}. */
    private Extracted extract(List<Expression> expressions, SparkPlan plan) {
        Map<String, String> conf = CollectionConverters.asJava(session.conf().getAll());
        while (holdsCall(expressions)) {
            Map<Expression, Attribute> innermost = new LinkedHashMap<>();
            List<Expression> calls = new ArrayList<>();
            List<CallSpec> specs = new ArrayList<>();
            for (Expression e : expressions) {
                collectInnermost(e, innermost, calls, specs, conf);
            }
            plan = new LlamaEvalExec(seq(calls), seq(new ArrayList<>(innermost.values())), specs, plan);
            List<Expression> replaced = new ArrayList<>();
            for (Expression e : expressions) {
                replaced.add(replace(e, innermost));
            }
            expressions = replaced;
        }
        return new Extracted(expressions, plan);
    }

    private void collectInnermost(Expression e, Map<Expression, Attribute> found, List<Expression> calls, List<CallSpec> specs,
                                  Map<String, String> conf) {
        if (e instanceof LlamaCall call && !holdsCall(CollectionConverters.asJava(call.children()))) {
            if (!found.containsKey(call.canonicalized())) {
                CallSpec spec = CallSpec.resolve(call.function(), call.options(), conf);
                found.put(call.canonicalized(), new AttributeReference(call.prettyName() + "_" + found.size(), call.dataType(),
                        false, Metadata.empty(), NamedExpression$.MODULE$.newExprId(), seq(List.<String>of())));
                calls.add(call);
                specs.add(spec);
            }
            return;
        }
        for (Expression c : CollectionConverters.asJava(e.children())) {
            collectInnermost(c, found, calls, specs, conf);
        }
    }

    private static Expression replace(Expression e, Map<Expression, Attribute> results) {
        if (e instanceof LlamaCall && results.containsKey(e.canonicalized())) {
            return results.get(e.canonicalized());
        }
        return e.mapChildren(c -> replace(c, results));
    }

    private static boolean holdsCall(List<Expression> expressions) {
        for (Expression e : expressions) {
            if (firstCall(e) != null) {
                return true;
            }
        }
        return false;
    }

    private static LlamaCall firstCall(Expression e) {
        if (e instanceof LlamaCall c) {
            return c;
        }
        for (Expression child : CollectionConverters.asJava(e.children())) {
            LlamaCall c = firstCall(child);
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    /** Whether a Project or Filter right under this one (through a chain of them) holds a call. */
    private static boolean belowHoldsCall(LogicalPlan plan) {
        while (plan instanceof Project || plan instanceof Filter) {
            if (holdsCall(CollectionConverters.asJava(plan.expressions()))) {
                return true;
            }
            plan = plan.children().apply(0);
        }
        return false;
    }

    private static List<Expression> conjuncts(Expression e, List<Expression> out) {
        if (e instanceof And a) {
            conjuncts(a.left(), out);
            conjuncts(a.right(), out);
        } else {
            out.add(e);
        }
        return out;
    }

    private static Expression and(List<Expression> conditions) {
        Expression out = conditions.get(0);
        for (int i = 1; i < conditions.size(); i++) {
            out = new And(out, conditions.get(i));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Seq<NamedExpression> named(List<? extends Expression> expressions) {
        return (Seq<NamedExpression>) (Object) seq(new ArrayList<>(expressions));
    }

    private static <T> Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(list).toList();
    }

    private static Seq<SparkPlan> one(SparkPlan p) {
        return seq(List.of(p));
    }

    private static Seq<SparkPlan> none() {
        return seq(List.of());
    }
}
