package io.sparkllama.spark;

import io.sparkllama.json.Json;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the sample datasets the jobs run on, built deterministically from small word lists so
 * every checkout produces the same files:
 * <ul>
 * <li>{@code prompts}: {@code id long, prompt string}: story openings ({@code jobs/generate.sh})</li>
 * <li>{@code labeling}: {@code id long, text string}: one-sentence stories to label as happy or sad
 * ({@code jobs/label.sh})</li>
 * <li>{@code eval}: {@code id long, context string, options array<string>, answer int}:
 * multiple-choice story completions ({@code jobs/evaluate.sh})</li>
 * </ul>
 *
 * <pre>SampleData prompts|labeling|eval OUTPUT.parquet [ROWS] [COPY.jsonl]</pre>
 * The optional JSON Lines copy of the prompts ({@code {"id", "prompt"}} per line) feeds
 * {@code scripts/llama generate --prompts} with the same prompts, for comparisons.
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
    private static final String[] HAPPY = {"played in the sun with a new friend", "got a big hug from mom",
        "found a shiny toy in the park", "ate a yummy cake", "danced and laughed all day"};
    private static final String[] SAD = {"lost the red ball", "fell down and hurt a knee", "broke a favorite toy",
        "had to stay inside in the rain", "could not find mom"};
    /** Multiple-choice items: context, right option, two wrong ones. */
    private static final String[][] ITEMS = {
        {"%s wanted to play with the", " ball", " soup", " cloud"},
        {"%s was hungry, so %s ate an", " apple", " chair", " idea"},
        {"%s went to the park to play on the", " swing", " moon", " bread"},
        {"At night, %s went to", " bed", " sky", " fork"},
        {"%s saw a big dog. The dog said", " woof", " meow", " hello"},
        {"%s was sad and started to", " cry", " fly", " swim"},
        {"%s drank a glass of", " milk", " sand", " trees"},
        {"Mom gave %s a big", " hug", " car", " river"},
    };

    private SampleData() {
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String name(int i) {
        return NAMES[i % NAMES.length];
    }

    /** Story openings: (id long, prompt string). */
    public static List<Row> rows(int count) {
        List<Row> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String opening = OPENINGS[i % OPENINGS.length];
            String name = NAMES[(i / OPENINGS.length + i) % NAMES.length];
            rows.add(RowFactory.create((long) (i + 1), capitalized(String.format(opening, name))));
        }
        return rows;
    }

    public static StructType schema() {
        return new StructType().add("id", DataTypes.LongType, false).add("prompt", DataTypes.StringType, true);
    }

    /** Sentences to label: (id long, text string); odd ids are happy stories, even ones sad. */
    public static List<Row> labelingRows(int count) {
        List<Row> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String[] events = i % 2 == 0 ? HAPPY : SAD;
            rows.add(RowFactory.create((long) (i + 1), capitalized(name(i / 2) + " " + events[(i / 2) % events.length] + ".")));
        }
        return rows;
    }

    public static StructType labelingSchema() {
        return new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType, true);
    }

    /** Multiple-choice items: (id long, context string, options array<string>, answer int); the right option's place rotates. */
    public static List<Row> evalRows(int count) {
        List<Row> rows = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String[] item = ITEMS[i % ITEMS.length];
            String n = name(i / ITEMS.length);
            String context = capitalized(item[0].replace("%s", n));
            int answer = i % 3;
            List<String> options = new ArrayList<>(List.of(item[2], item[3]));
            options.add(answer, item[1]);
            rows.add(RowFactory.create((long) (i + 1), context, options, answer));
        }
        return rows;
    }

    public static StructType evalSchema() {
        return new StructType().add("id", DataTypes.LongType, false).add("context", DataTypes.StringType, true)
                .add("options", DataTypes.createArrayType(DataTypes.StringType, true), true)
                .add("answer", DataTypes.IntegerType, true);
    }

    /** Writes {@code count} story openings to {@code path} (replacing it). */
    public static void write(SparkSession spark, String path, int count) {
        write(spark, "prompts", path, count);
    }

    /** Writes a sample dataset of the given kind. */
    public static void write(SparkSession spark, String kind, String path, int count) {
        List<Row> rows;
        StructType schema;
        switch (kind) {
            case "prompts" -> { rows = rows(count); schema = schema(); }
            case "labeling" -> { rows = labelingRows(count); schema = labelingSchema(); }
            case "eval" -> { rows = evalRows(count); schema = evalSchema(); }
            default -> throw new IllegalArgumentException("unknown sample kind '" + kind + "' (prompts, labeling, eval)");
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().mode(SaveMode.Overwrite).parquet(path);
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SampleData prompts|labeling|eval OUTPUT.parquet [ROWS] [COPY.jsonl]");
            System.exit(2);
        }
        String kind = args[0], path = args[1];
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        SparkSession spark = SparkSession.builder().appName("spark-llama sample data").getOrCreate();
        try {
            write(spark, kind, path, count);
            System.err.println("wrote " + count + " " + kind + " rows to " + path);
            if (args.length > 3) {
                List<String> lines = new ArrayList<>();
                for (Row r : rows(count)) {
                    lines.add(Json.toJson(Map.of("id", r.getLong(0), "prompt", r.getString(1))));
                }
                Files.write(Path.of(args[3]), lines);
                System.err.println("wrote the same prompts to " + args[3]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            spark.stop();
        }
    }
}
