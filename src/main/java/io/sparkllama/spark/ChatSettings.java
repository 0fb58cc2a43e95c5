package io.sparkllama.spark;

import io.sparkllama.engine.ChatFormat;
import io.sparkllama.model.LoadedModel;

import java.io.Serializable;
import java.time.LocalDate;

/**
 * A job's chat settings, fixed on the driver: whether prompts become a user turn of a chat
 * template, which template ({@link ChatFormat#MODEL}: the model file's), the system prompt, and
 * the date templates print (the job's start date unless given, so every retry renders the same).
 *
 * @param enabled whether prompts are wrapped as a chat turn
 * @param format  {@link ChatFormat#MODEL} or a built-in format name
 * @param system  system prompt, or null
 * @param date    ISO date templates print
 */
public record ChatSettings(boolean enabled, String format, String system, String date) implements Serializable {
    static final ChatSettings OFF = new ChatSettings(false, ChatFormat.MODEL, null, LocalDate.EPOCH.toString());

    /** The same settings with chat on or off. */
    ChatSettings withEnabled(boolean on) {
        return new ChatSettings(on, format, system, date);
    }

    /** The format on an executor's model, or null when chat is off. */
    ChatFormat resolve(LoadedModel model) {
        return enabled ? ChatFormat.of(format, model, LocalDate.parse(date)) : null;
    }

    /**
     * The format for a partition's rows: when the model has no usable template, every row gets
     * the reason as its error (the task does not fail, no row is lost).
     */
    public ForRows forRows(LoadedModel model) {
        try {
            return new ForRows(resolve(model), null);
        } catch (RuntimeException e) {
            return new ForRows(null, "chat template: " + e.getMessage());
        }
    }

    /** A resolved format, or why there is none. */
    public record ForRows(ChatFormat format, String error) {
        /** The format (null when chat is off); throws the reason when the model has no usable template. */
        public ChatFormat get() {
            if (error != null) {
                throw new IllegalArgumentException(error);
            }
            return format;
        }
    }
}
