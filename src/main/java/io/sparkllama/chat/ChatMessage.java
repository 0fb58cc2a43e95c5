package io.sparkllama.chat;

import java.util.Objects;

/**
 * One turn of a conversation as chat templates see it: {@code messages[i]} is a dict with the
 * keys {@code role} and {@code content}.
 *
 * @param role    "system", "user", "assistant" or whatever role the template understands
 * @param content the text of the turn, passed to the template as it is (templates trim it or not)
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
