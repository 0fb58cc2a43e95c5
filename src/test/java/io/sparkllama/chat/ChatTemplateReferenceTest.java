package io.sparkllama.chat;

import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Eight real chat templates (Llama 2, Llama 3.1, Llama 3.2, TinyLlama/Zephyr, Mistral v0.3,
 * Qwen2.5, SmolLM2, Phi-3) times three conversations, rendered by Python Jinja2 3.1.6 set up as
 * transformers does (shared/reference/README.md, "chat_templates.jsonl"): byte for byte the same.
 */
class ChatTemplateReferenceTest {
    static List<Map<String, Object>> records() {
        return Shared.jsonl(Shared.reference("chat_templates.jsonl"));
    }

    @Test
    void theFileHoldsEightTemplatesTimesThreeConversations() {
        List<Map<String, Object>> records = records();
        assertEquals(24, records.size());
        assertEquals(8, records.stream().map(r -> r.get("template")).collect(Collectors.toSet()).size());
    }

    @ParameterizedTest(name = "{index}: {0}")
    @MethodSource("cases")
    void rendersAsJinja2(String name, Map<String, Object> r) {
        ChatTemplate t = ChatTemplate.parse((String) r.get("template_text"));
        LocalDate today = LocalDate.parse((String) r.get("strftime_now_date"), DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH));
        List<ChatMessage> messages = messages(r.get("messages"));
        boolean generationPrompt = (Boolean) r.get("add_generation_prompt");
        String bos = (String) r.get("bos_token"), eos = (String) r.get("eos_token");
        if (r.containsKey("expected")) {
            assertEquals(r.get("expected"), t.render(messages, generationPrompt, bos, eos, today));
        } else {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(messages, generationPrompt, bos, eos, today));
            assertEquals(r.get("error"), e.getMessage());
        }
    }

    static List<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (Map<String, Object> r : records()) {
            out.add(new Object[] {r.get("template") + " / " + r.get("conversation"), r});
        }
        return out;
    }

    /** A JSON array of {"role", "content"} objects. */
    static List<ChatMessage> messages(Object json) {
        List<ChatMessage> out = new ArrayList<>();
        for (Object o : (List<?>) json) {
            Map<?, ?> m = (Map<?, ?>) o;
            out.add(new ChatMessage((String) m.get("role"), (String) m.get("content")));
        }
        return out;
    }
}
