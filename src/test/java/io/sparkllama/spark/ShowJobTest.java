package io.sparkllama.spark;

import io.sparkllama.json.Json;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jobs/show.sh}: a dataset printed as a table or JSON lines, filtered, projected and limited. */
@Timeout(300)
class ShowJobTest extends LocalSparkTest {
    private static final String LONG = "Once upon a time there was a little girl named Lily who loved to play in the park every day.";
    private static Path data;

    private record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void writeData() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("text", DataTypes.StringType)
                .add("label", DataTypes.StringType).add("label_probs", DataTypes.createArrayType(DataTypes.DoubleType));
        data = dir.resolve("labels");
        spark.createDataFrame(List.of(
                RowFactory.create(1L, "Lily ate cake.", " happy", List.of(0.75, 0.25)),
                RowFactory.create(2L, LONG, " sad", List.of(0.5, 0.5)),
                RowFactory.create(3L, "two\nlines", null, null)), schema)
                .coalesce(1).write().parquet(data.toString());
    }

    private static Run show(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = ShowJob.run(spark, args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anAlignedTableWithLongCellsCut() {
        Run r = show(data.toString());
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(5, lines.size(), r.out());
        String cut = LONG.substring(0, 59) + "…";
        assertEquals("id | text" + " ".repeat(56) + " | label  | label_probs", lines.get(0));
        assertEquals("-- | " + "-".repeat(60) + " | ------ | -----------", lines.get(1));
        assertEquals("1  | Lily ate cake." + " ".repeat(46) + " |  happy | [0.75,0.25]", lines.get(2));
        assertEquals("2  | " + cut + " |  sad   | [0.5,0.5]", lines.get(3));
        assertEquals("3  | two\\nlines" + " ".repeat(50) + " | null   | null", lines.get(4), "one line per row");
        assertEquals("3 rows shown\n", r.err());
        assertTrue(show(data.toString(), "--width", "10").out().contains("| Once upon… |"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonLines() {
        Run r = show(data.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        List<Map<String, Object>> rows = new ArrayList<>();
        r.out().lines().forEach(l -> rows.add((Map<String, Object>) Json.parse(l)));
        assertEquals(3, rows.size());
        assertEquals(Map.of("id", 1L, "text", "Lily ate cake.", "label", " happy", "label_probs", List.of(0.75, 0.25)), rows.get(0));
        assertEquals(LONG, rows.get(1).get("text"), "JSON is never cut");
        assertEquals("two\nlines", rows.get(2).get("text"));
        assertTrue(rows.get(2).containsKey("label") && rows.get(2).get("label") == null);
    }

    @Test
    void whereColumnsAndLimit() {
        Run r = show(data.toString(), "--where", "id >= 2", "--columns", "id,label", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals("{\"id\":2,\"label\":\" sad\"}\n{\"id\":3,\"label\":null}\n", r.out());
        r = show(data.toString(), "--limit", "1", "--columns", "label,id");
        assertEquals("label  | id\n------ | --\n happy | 1\n", r.out());
        assertEquals("1 row shown (--limit 1)\n", r.err());
        r = show(data.toString(), "--where", "label_probs[0] > 0.6", "--columns", "id", "--json");
        assertEquals("{\"id\":1}\n", r.out());
    }

    @Test
    void errorsAreOneLine() {
        Path missing = dir.resolve("no-such-output");
        Run r = show(missing.toString());
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertEquals("error: " + missing + ": no such file or directory\n", r.err());
        r = show(data.toString(), "--columns", "id,nope");
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("nope"), r.err());
        r = show(data.toString(), "--where", "id >>> 2");
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        r = show(data.toString(), "--limit", "zero");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("error: --limit must be a positive integer, is 'zero'\nusage: "), r.err());
    }
}
