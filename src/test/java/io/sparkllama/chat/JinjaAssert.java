package io.sparkllama.chat;

import java.time.LocalDate;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Renders small templates the way the Jinja tests' expectations were made: Python Jinja2 3.1.6 in
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with the loopcontrols
 * extension and transformers' generation tag, tojson, raise_exception and strftime_now (on 26 Jul
 * 2024), rendering {@code messages=MESSAGES, add_generation_prompt=True, bos_token="<s>",
 * eos_token="</s>", tools=None, documents=None}.
 */
final class JinjaAssert {
    static final List<ChatMessage> MESSAGES = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", " Hi there! "),
            new ChatMessage("assistant", "Hello.\n"), new ChatMessage("user", "What is 2+2?"));
    static final LocalDate DATE = LocalDate.of(2024, 7, 26);

    private JinjaAssert() {
    }

    static String render(String template) {
        return ChatTemplate.parse(template).render(MESSAGES, true, "<s>", "</s>", DATE);
    }

    static void assertRenders(String template, String expected) {
        assertEquals(expected, render(template), template);
    }

    /** Parsing or rendering fails with a message that contains {@code part}; returns the exception. */
    static ChatTemplateException assertFails(String template, String part) {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(template), template);
        if (!e.getMessage().contains(part)) {
            throw new AssertionError("message of " + template + "\n  is: " + e.getMessage() + "\n  lacks: " + part);
        }
        return e;
    }
}
