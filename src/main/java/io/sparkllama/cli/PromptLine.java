package io.sparkllama.cli;

import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.Seeds;
import io.sparkllama.engine.SamplingParams;

import io.sparkllama.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One line of a {@code --prompts} JSON Lines file: {@code {"id": ..., "prompt": "...", and
 * optionally "temperature", "top_p", "top_k", "seed", "max_tokens", "stop", "truncate"}}; with
 * {@code --chat}, the prompt is the user turn of the chat template, or the line gives the whole
 * conversation as {@code "messages": [{"role": ..., "content": ...}, ...]} instead.
 * Fields a line leaves out come from the command line. A line without a seed gets one derived
 * from the run's seed and its id (or its line number when it has no id; see {@link Seeds}), so
 * its output does not depend on the batch it runs in.
 */
final class PromptLine {
    /** The id to echo: the line's "id" value, or its 1-based line number. */
    final Object id;
    /** The request, or null when the line is bad. */
    final GenerationRequest request;
    /** Why the line is bad, or null. */
    final String error;

    private PromptLine(Object id, GenerationRequest request, String error) {
        this.id = id;
        this.request = request;
        this.error = error;
    }

    /** A line that could not be read (e.g. not valid UTF-8), identified by its number. */
    static PromptLine bad(long lineNumber, String error) {
        return new PromptLine(lineNumber, null, error);
    }

    static PromptLine parse(String line, long lineNumber, SamplingParams defaults, Chat chat) {
        Object id = lineNumber;
        if (!line.strip().startsWith("{")) {
            return new PromptLine(id, null, "line " + lineNumber + " is not a JSON object");
        }
        try {
            Object json;
            try {
                json = Json.parse(line);
            } catch (IllegalArgumentException e) {
                return new PromptLine(id, null, "line " + lineNumber + " is not valid JSON: " + e.getMessage());
            }
            if (!(json instanceof Map<?, ?> m)) {
                return new PromptLine(id, null, "line " + lineNumber + " is not a JSON object");
            }
            if (m.containsKey("id")) {
                id = m.get("id");
            }
            String text;
            if (m.containsKey("messages")) {
                if (chat == null) {
                    return new PromptLine(id, null, "\"messages\" need --chat");
                }
                text = chat.render(m.get("messages"));
            } else if (m.get("prompt") instanceof String user) {
                text = chat == null ? user : chat.render(user);
            } else {
                return new PromptLine(id, null, m.get("prompt") == null ? "missing \"prompt\"" : "\"prompt\" must be a string");
            }
            long seed = m.containsKey("seed") ? integer(m, "seed", Long.MIN_VALUE, Long.MAX_VALUE)
                    : Seeds.forRow(defaults.seed(), id);
            SamplingParams p = new SamplingParams(
                    m.containsKey("temperature") ? number(m, "temperature") : defaults.temperature(),
                    m.containsKey("top_k") ? (int) integer(m, "top_k", 0, Integer.MAX_VALUE) : defaults.topK(),
                    m.containsKey("top_p") ? number(m, "top_p") : defaults.topP(),
                    seed,
                    m.containsKey("max_tokens") ? (int) integer(m, "max_tokens", 0, Integer.MAX_VALUE) : defaults.maxTokens(),
                    m.containsKey("stop") ? stops(m.get("stop")) : defaults.stop());
            boolean truncate = Boolean.TRUE.equals(m.get("truncate"));
            return new PromptLine(id, GenerationRequest.of(text, p).withTruncateLeft(truncate).withParseSpecial(chat != null), null);
        } catch (IllegalArgumentException e) {
            return new PromptLine(id, null, e.getMessage());
        }
    }

    private static float number(Map<?, ?> m, String key) {
        if (m.get(key) instanceof Number n) {
            return n.floatValue();
        }
        throw new IllegalArgumentException("\"" + key + "\" must be a number");
    }

    private static long integer(Map<?, ?> m, String key, long min, long max) {
        if (m.get(key) instanceof Long l && l >= min && l <= max) {
            return l;
        }
        throw new IllegalArgumentException("\"" + key + "\" must be an integer from " + min + " to " + max);
    }

    private static List<String> stops(Object v) {
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw new IllegalArgumentException("\"stop\" must be a string or a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw new IllegalArgumentException("\"stop\" must be a string or a list of strings");
    }
}
