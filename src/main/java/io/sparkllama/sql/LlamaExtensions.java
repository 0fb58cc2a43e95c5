package io.sparkllama.sql;

import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Function1;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Spark SQL extensions of spark-llama: the functions {@code llama_generate}, {@code llama_score}
 * and {@code llama_choose}, and the planner strategy that runs them in batches on each
 * executor's engine. Enable with {@code spark.sql.extensions=io.sparkllama.sql.LlamaExtensions}
 * (docs/SPARK.md, "SQL and PySpark").
 */
public final class LlamaExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        for (LlamaFunction f : LlamaFunction.values()) {
            Function1<Seq<Expression>, Expression> builder = new AbstractFunction1<>() {
                @Override
                public Expression apply(Seq<Expression> arguments) {
                    return new LlamaCall(f, CollectionConverters.asJava(arguments));
                }
            };
            ExpressionInfo info = new ExpressionInfo(LlamaCall.class.getName(), null, f.sqlName(),
                    f.usage() + ": runs a Llama model on each row, in batches (see spark-llama's docs/SPARK.md)", "", "", "",
                    "misc_funcs", "", "", "");
            extensions.injectFunction(new Tuple3<>(new FunctionIdentifier(f.sqlName()), info, builder));
        }
        extensions.injectPlannerStrategy(new AbstractFunction1<>() {
            @Override
            public LlamaStrategy apply(org.apache.spark.sql.SparkSession session) {
                return new LlamaStrategy(session);
            }
        });
        return BoxedUnit.UNIT;
    }
}
