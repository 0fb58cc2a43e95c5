package io.sparkllama.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes the sample prompts Parquet used by {@code jobs/generate.sh}: a few hundred varied
 * story openings with ids, built deterministically from small word lists so every checkout
 * produces the same file.
 *
 * <pre>SampleData [OUTPUT.parquet] [ROWS] [COPY.jsonl]</pre>
 * The optional JSON Lines copy ({"id", "prompt"} per line) feeds {@code scripts/llama generate --prompts}
 * with the same prompts, for comparisons.
 */
public final class SampleData {
    private static final String[] NAMES = {"Lily", "Ben", "Tom", "Mia", "Sam", "Anna", "Max", "Sue", "Tim", "Lucy",
        "a little dog", "a small bird", "the old cat", "a brave boy", "a kind girl"};
    private static final String[] OPENINGS = {
        "Once upon a time, %s", "One day, %s went to the park and", "%s found a shiny", "%s wanted to play with",
        "It was a sunny day. %s", "%s was sad because", "In a big forest, %s saw", "%s and mom baked a",
        "At the beach, %s built a", "%s had a red ball. One day,", "%s looked out of the window and saw",
        "The wind was strong, and %s", "%s liked to sing songs about", "After school, %s ran to",
        "%s opened the box. Inside there was", "%s was very hungry, so", "When the rain stopped, %s",
        "%s met a friendly"};

    private SampleData() {
    }

    /** The sample rows: (id long, prompt string). */
    public static List<Row> rows(int count) {
        List<Row> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String opening = OPENINGS[i % OPENINGS.length];
            String name = NAMES[(i / OPENINGS.length + i) % NAMES.length];
            String prompt = String.format(opening, name);
            rows.add(RowFactory.create((long) (i + 1), Character.toUpperCase(prompt.charAt(0)) + prompt.substring(1)));
        }
        return rows;
    }

    public static StructType schema() {
        return new StructType().add("id", DataTypes.LongType, false).add("prompt", DataTypes.StringType, true);
    }

    /** Writes {@code count} sample rows to {@code path} (replacing it). */
    public static void write(SparkSession spark, String path, int count) {
        Dataset<Row> df = spark.createDataFrame(rows(count), schema());
        df.coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    public static void main(String[] args) {
        String path = args.length > 0 ? args[0] : "sample-data/prompts.parquet";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        SparkSession spark = SparkSession.builder().appName("spark-llama sample data").getOrCreate();
        try {
            write(spark, path, count);
            System.err.println("wrote " + count + " prompts to " + path);
            if (args.length > 2) {
                List<String> lines = new ArrayList<>();
                for (Row r : rows(count)) {
                    lines.add(io.sparkllama.cli.Json.toJson(java.util.Map.of("id", r.getLong(0), "prompt", r.getString(1))));
                }
                java.nio.file.Files.write(java.nio.file.Path.of(args[2]), lines);
                System.err.println("wrote the same prompts to " + args[2]);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            spark.stop();
        }
    }
}
