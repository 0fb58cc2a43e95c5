package io.sparkllama.spark;

import io.sparkllama.chat.ChatTemplate;
import io.sparkllama.engine.ChatFormat;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A transformer whose prompts can be sent as the user turn of a chat: the model file's own chat
 * template by default, or a named built-in format, with an optional system prompt.
 *
 * @param <T> the concrete transformer, for fluent setters
 */
public abstract class ChattingTransformer<T extends ChattingTransformer<T>> extends LlamaTransformer<T> {
    private static final long serialVersionUID = 1L;

    private final BooleanParam chatTemplate;
    private final Param<String> chatFormat;
    private final Param<String> systemPrompt;
    private final Param<String> chatDate;

    protected ChattingTransformer(String uid) {
        super(uid);
        chatTemplate = new BooleanParam(this, "chatTemplate", "send each prompt as the user turn of a chat template");
        chatFormat = new Param<>(this, "chatFormat", "chat template: 'model' for the model file's own, or one of "
                + String.join(", ", ChatTemplate.names()));
        systemPrompt = new Param<>(this, "systemPrompt", "system message of the chat, empty for none");
        chatDate = new Param<>(this, "chatDate", "date (yyyy-mm-dd) that chat templates print; empty for the day the job starts");
        setDefault(chatTemplate, false);
        setDefault(chatFormat, ChatFormat.MODEL);
        setDefault(systemPrompt, "");
        setDefault(chatDate, "");
    }

    public BooleanParam chatTemplate() { return chatTemplate; }
    public Param<String> chatFormat() { return chatFormat; }
    public Param<String> systemPrompt() { return systemPrompt; }
    public Param<String> chatDate() { return chatDate; }

    @SuppressWarnings("unchecked")
    public T setChatTemplate(boolean v) { set(chatTemplate, v); return (T) this; }
    @SuppressWarnings("unchecked")
    public T setChatFormat(String v) { set(chatFormat, v == null || v.isEmpty() ? ChatFormat.MODEL : v); return (T) this; }
    @SuppressWarnings("unchecked")
    public T setSystemPrompt(String v) { set(systemPrompt, v == null ? "" : v); return (T) this; }
    @SuppressWarnings("unchecked")
    public T setChatDate(String v) { set(chatDate, v == null ? "" : v); return (T) this; }

    /** The chat settings, checked and with the date fixed (on the driver, so every retry renders the same). */
    public ChatSettings chatSettings() {
        String format = value(chatFormat);
        if (!format.equals(ChatFormat.MODEL) && !ChatTemplate.names().contains(format)) {
            throw new IllegalArgumentException("chat format '" + format + "' is not known: use 'model' (the model file's template) or one of "
                    + String.join(", ", ChatTemplate.names()));
        }
        String date = value(chatDate);
        try {
            date = date.isEmpty() ? LocalDate.now(ZoneOffset.UTC).toString() : LocalDate.parse(date).toString();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("chat date '" + date + "' is not a yyyy-mm-dd date");
        }
        String system = value(systemPrompt);
        return new ChatSettings(value(chatTemplate), format, system.isEmpty() ? null : system, date);
    }
}
