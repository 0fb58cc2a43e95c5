package io.sparkllama.cli;

import io.sparkllama.chat.ChatMessage;
import io.sparkllama.engine.ChatFormat;
import io.sparkllama.model.LoadedModel;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line's chat options: {@code --chat} sends prompts as the user turn of the model
 * file's chat template ({@code --chat-format NAME} for a built-in one), after {@code --system}
 * when given; {@code --chat-date} fixes the date templates print (default today).
 */
final class Chat {
    static final String USAGE = "  --chat              send the prompt as a user turn of the model's chat template\n"
            + "  --chat-format NAME  chat template: model (the file's own, default), llama2, llama3, chatml, zephyr, mistral\n"
            + "  --system TEXT       system message for --chat\n"
            + "  --chat-date DATE    date (yyyy-mm-dd) templates print (default: today)\n";

    private final ChatFormat format;
    private final String system;

    private Chat(ChatFormat format, String system) {
        this.format = format;
        this.system = system;
    }

    /** The chat options of a command, or null without {@code --chat}. */
    static Chat of(Options o, LoadedModel model) {
        if (!o.has("chat")) {
            if (o.has("chat-format") || o.has("system") || o.has("chat-date")) {
                throw new UsageException("--chat-format, --system and --chat-date go with --chat");
            }
            return null;
        }
        LocalDate date;
        try {
            date = o.has("chat-date") ? LocalDate.parse(o.get("chat-date")) : LocalDate.now(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new UsageException("--chat-date must be a yyyy-mm-dd date, is " + o.get("chat-date"));
        }
        return new Chat(ChatFormat.of(o.get("chat-format"), model, date), o.get("system"));
    }

    /** The prompt text for one user message. */
    String render(String user) {
        return format.render(system, user);
    }

    /** The prompt text for a JSON conversation: a list of {"role", "content"} objects. */
    String render(Object messages) {
        if (!(messages instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("\"messages\" must be a non-empty list of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("role") instanceof String role) || !(m.get("content") instanceof String content)) {
                throw new IllegalArgumentException("\"messages\" must be a list of {\"role\": string, \"content\": string} objects");
            }
            out.add(new ChatMessage(role, content));
        }
        return format.render(system, out);
    }
}
