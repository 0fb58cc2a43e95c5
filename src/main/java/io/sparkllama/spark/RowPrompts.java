package io.sparkllama.spark;

import io.sparkllama.engine.PromptTemplate;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/** Reading prompts and parameters out of input rows, with the row-level checks every mode shares. */
final class RowPrompts {
    private RowPrompts() {
    }

    /** A column's value, or null when the row has no such column. */
    static Object column(Row row, StructType schema, String name) {
        int i = Arrays.asList(schema.fieldNames()).indexOf(name);
        return i < 0 ? null : row.get(i);
    }

    /**
     * The row's prompt: the prompt column through the template.
     *
     * @throws IllegalArgumentException when the prompt column is null, empty or blank, or the text was not valid UTF-8
     */
    static String render(Row row, StructType schema, PromptTemplate template, int promptIndex) {
        Object value = row.get(promptIndex);
        String name = schema.fieldNames()[promptIndex];
        checkText(name, value == null ? null : value.toString());
        return checkText("prompt", template.render(value.toString(), column -> column(row, schema, column)));
    }

    /** Rejects null, empty, blank and U+FFFD-carrying text, naming {@code what}. */
    static String checkText(String what, String text) {
        if (text == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(text.isEmpty() ? what + " is empty" : what + " is blank");
        }
        return checkEncoding(what, text);
    }

    /** Rejects text carrying U+FFFD: Spark decodes invalid UTF-8 (and encodes unpaired surrogates) lossily, so refuse rather than guess. */
    static String checkEncoding(String what, String text) {
        int bad = text.indexOf('\uFFFD');
        if (bad >= 0) {
            throw new IllegalArgumentException(what + " has a U+FFFD replacement character at index " + bad
                    + ": the input text was not valid UTF-8");
        }
        return text;
    }

    /** A string or an array of strings (Spark gives arrays as Scala sequences). */
    static List<String> strings(String what, Object v) {
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof scala.collection.Seq<?> seq) {
            return scala.jdk.javaapi.CollectionConverters.asJava(seq).stream().map(String::valueOf).toList();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        throw new IllegalArgumentException(what + " must be a string or an array of strings");
    }
}
