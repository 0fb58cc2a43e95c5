package io.sparkllama.spark;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads a job's input dataset ({@code llama.input}), choosing the format by the path's extension:
 * {@code .jsonl} and {@code .json} are JSON Lines (one object per line), {@code .csv} is CSV with
 * a header row (RFC 4180 quoting, quoted cells may span lines, column types inferred), anything
 * else is Parquet. A path that does not exist fails at once with one line naming it, before any
 * Spark job runs.
 */
public final class JobInput {
    private JobInput() {
    }

    /** The formats an input can have. */
    public enum Format { PARQUET, JSON_LINES, CSV }

    /** The format of {@code path}, by its extension (a trailing slash is ignored). */
    public static Format formatOf(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.endsWith(".jsonl") || p.endsWith(".json")) {
            return Format.JSON_LINES;
        }
        return p.endsWith(".csv") ? Format.CSV : Format.PARQUET;
    }

    /**
     * Reads {@code path} (any Hadoop path or glob) in the format its extension names.
     *
     * @param what the setting the path came from, named in errors (e.g. {@code "llama.input"}), or null
     * @throws IllegalArgumentException when nothing exists at {@code path}, or a JSON Lines file holds no JSON object
     */
    public static Dataset<Row> read(SparkSession spark, String path, String what) throws IOException {
        requireExists(spark, path, what);
        return switch (formatOf(path)) {
            case JSON_LINES -> {
                Dataset<Row> rows = spark.read().json(path);
                if (Arrays.equals(rows.columns(), new String[] {"_corrupt_record"})) {
                    throw new IllegalArgumentException(prefix(what) + path + " is not JSON Lines: no line holds a JSON object");
                }
                yield rows;
            }
            case CSV -> spark.read().option("header", "true").option("inferSchema", "true").option("multiLine", "true")
                    .option("escape", "\"").csv(path);
            case PARQUET -> spark.read().parquet(path);
        };
    }

    /** Fails with one line naming {@code path} when no file or directory matches it. */
    static void requireExists(SparkSession spark, String path, String what) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        FileStatus[] found = fs.globStatus(p);
        if (found == null || found.length == 0) {
            throw new IllegalArgumentException(prefix(what) + path + ": no such file or directory");
        }
    }

    private static String prefix(String what) {
        return what == null ? "" : what + ": ";
    }
}
