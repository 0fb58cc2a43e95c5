package io.sparkllama.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/** The columns generation adds to its input. */
public final class OutputColumns {
    public static final String PROMPT_TOKENS = "prompt_tokens";
    public static final String COMPLETION_TOKENS = "completion_tokens";
    public static final String FINISH_REASON = "finish_reason";
    public static final String ERROR = "error";
    public static final String LATENCY_MS = "latency_ms";

    private OutputColumns() {
    }

    /** The input schema plus {@code added}; fails on a name clash. */
    public static StructType append(StructType input, StructField... added) {
        for (StructField f : added) {
            if (Arrays.asList(input.fieldNames()).contains(f.name())) {
                throw new IllegalArgumentException("input already has a column named '" + f.name()
                        + "'; rename it or choose another output column");
            }
        }
        StructField[] all = Arrays.copyOf(input.fields(), input.fields().length + added.length);
        System.arraycopy(added, 0, all, input.fields().length, added.length);
        return new StructType(all);
    }

    /** The input schema plus the completion column and the result columns; fails on a name clash. */
    public static StructType extend(StructType input, String completionColumn) {
        StructField[] added = {
            DataTypes.createStructField(completionColumn, DataTypes.StringType, true),
            DataTypes.createStructField(PROMPT_TOKENS, DataTypes.IntegerType, false),
            DataTypes.createStructField(COMPLETION_TOKENS, DataTypes.IntegerType, false),
            DataTypes.createStructField(FINISH_REASON, DataTypes.StringType, false),
            DataTypes.createStructField(ERROR, DataTypes.StringType, true),
            DataTypes.createStructField(LATENCY_MS, DataTypes.LongType, false),
        };
        return append(input, added);
    }
}
