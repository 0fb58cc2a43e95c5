package io.sparkllama.spark;

import io.sparkllama.chat.ChatMessage;
import io.sparkllama.engine.PromptTemplate;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reading prompts and parameters out of input rows, with the row-level checks every mode shares.
 * Text comes from string columns or from binary columns holding UTF-8. Binary values are decoded
 * strictly: one that is not valid UTF-8 is refused for the row rather than guessed at. String
 * values are taken as they are, U+FFFD included: it is a legitimate character, and Spark has
 * already decoded a string column's invalid UTF-8 to U+FFFD before any job code sees it, so the
 * two cannot be told apart (docs/RELIABILITY.md, "Text encoding").
 */
public final class RowPrompts {
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
     * @throws IllegalArgumentException when the prompt column is null, empty or blank, or binary that is not UTF-8
     */
    static String render(Row row, StructType schema, PromptTemplate template, int promptIndex) {
        String name = schema.fieldNames()[promptIndex];
        String prompt = checkText(name, text(name, row.get(promptIndex)));
        return checkText("prompt", template.render(prompt, column -> {
            Object v = column(row, schema, column);
            return v == null ? null : text(column, v);
        }));
    }

    /** A cell as text: strings as they are, binary as strict UTF-8, other values by their string form; null stays null. */
    static String text(String what, Object value) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof byte[] bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(what + " is binary data that is not valid UTF-8 (" + bytes.length + " bytes)");
            }
        }
        return value.toString();
    }

    /** Rejects null, empty and blank text, naming {@code what}. */
    public static String checkText(String what, String text) {
        if (text == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException(text.isEmpty() ? what + " is empty" : what + " is blank");
        }
        return text;
    }

    /** A string or an array of strings (Spark gives arrays as Scala sequences); null elements are refused. */
    public static List<String> strings(String what, Object v) {
        List<?> items;
        if (v instanceof scala.collection.Seq<?> seq) {
            items = scala.jdk.javaapi.CollectionConverters.asJava(seq);
        } else if (v instanceof List<?> l) {
            items = l;
        } else if (v instanceof String || v instanceof byte[]) {
            items = List.of(v);
        } else {
            throw new IllegalArgumentException(what + " must be a string or an array of strings, is the "
                    + v.getClass().getSimpleName() + " " + v);
        }
        List<String> out = new ArrayList<>(items.size());
        for (Object item : items) {
            if (item == null) {
                throw new IllegalArgumentException(what + " has a null element");
            }
            if (!(item instanceof String || item instanceof byte[])) {
                throw new IllegalArgumentException(what + " must hold strings, holds the " + item.getClass().getSimpleName() + " " + item);
            }
            out.add(text(what, item));
        }
        return out;
    }

    /**
     * A row's options to choose from (a string array): at least two, none null or blank.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static List<String> options(Object value) {
        if (value == null) {
            throw new IllegalArgumentException("options are null");
        }
        List<String> options = strings("options", value);
        if (options.size() < 2) {
            throw new IllegalArgumentException("a row needs at least two options, has " + options.size());
        }
        for (String o : options) {
            checkText("an option", o);
        }
        return options;
    }

    /** Fails unless {@code column} is an array of structs with string fields {@code role} and {@code content}. */
    static void requireMessages(StructType schema, String column) {
        DataType t = schema.apply(column).dataType();
        boolean ok = false;
        if (t instanceof ArrayType a && a.elementType() instanceof StructType s) {
            List<String> names = Arrays.asList(s.fieldNames());
            ok = names.contains("role") && names.contains("content")
                    && s.apply("role").dataType().equals(DataTypes.StringType)
                    && s.apply("content").dataType().equals(DataTypes.StringType);
        }
        if (!ok) {
            throw new IllegalArgumentException("column '" + column + "' must be an array<struct<role: string, content: string>>, is "
                    + t.simpleString());
        }
    }

    /**
     * A row's conversation: its messages in order.
     *
     * @throws IllegalArgumentException when the conversation is null or empty, or a message, role or content is null
     */
    static List<ChatMessage> messages(Object value) {
        if (value == null) {
            throw new IllegalArgumentException("messages are null");
        }
        List<?> items = value instanceof scala.collection.Seq<?> seq ? scala.jdk.javaapi.CollectionConverters.asJava(seq)
                : (List<?>) value;
        if (items.isEmpty()) {
            throw new IllegalArgumentException("messages are empty");
        }
        List<ChatMessage> out = new ArrayList<>(items.size() + 1);
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof Row m)) {
                throw new IllegalArgumentException("message " + i + " is null");
            }
            String role = (String) m.getAs("role");
            String content = (String) m.getAs("content");
            if (role == null || content == null) {
                throw new IllegalArgumentException("message " + i + " has a null " + (role == null ? "role" : "content"));
            }
            out.add(new ChatMessage(role, content));
        }
        return out;
    }
}
