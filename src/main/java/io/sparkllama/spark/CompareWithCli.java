package io.sparkllama.spark;

import io.sparkllama.json.Json;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/**
 * Checks a generation job's Parquet output against {@code scripts/llama generate --prompts}'s
 * JSON Lines results for the same prompts: every id on both sides, with the same completion,
 * token counts and finish reason. Used by {@code scripts/bench-spark.sh}, so a throughput
 * comparison is only reported for identical work. Prints one JSON line; exits 1 on a difference.
 */
public final class CompareWithCli {
    private CompareWithCli() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: CompareWithCli SPARK_OUTPUT.parquet CLI_RESULTS.jsonl");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder().appName("spark-llama compare with cli").getOrCreate();
        try {
            Dataset<Row> job = spark.read().parquet(args[0]).alias("job");
            Dataset<Row> cli = spark.read().json(args[1]).alias("cli");
            Column sameRow = col("job.id").equalTo(col("cli.id"));
            Column same = sameRow;
            for (String c : new String[] {"completion", "prompt_tokens", "completion_tokens", "finish_reason"}) {
                same = same.and(col("job." + c).eqNullSafe(col("cli." + c)));
            }
            Dataset<Row> joined = job.join(cli, sameRow, "full_outer");
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("job_rows", job.count());
            result.put("cli_rows", cli.count());
            result.put("different_rows", joined.where(not(same).or(same.isNull())).count());
            System.out.println(Json.toJson(result));
            if (((Number) result.get("different_rows")).longValue() != 0 || !result.get("job_rows").equals(result.get("cli_rows"))) {
                System.exit(1);
            }
        } finally {
            spark.stop();
        }
    }
}
