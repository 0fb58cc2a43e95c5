package io.sparkllama.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A Hugging Face chat template (the Jinja2 text in a GGUF file's {@code tokenizer.chat_template}),
 * parsed once and rendered as transformers' {@code apply_chat_template} does: Jinja2 3.1 in an
 * immutable sandbox with {@code trim_blocks} and {@code lstrip_blocks}, the loop controls
 * extension, the {@code {% generation %}} tag, transformers' {@code tojson},
 * {@code raise_exception} and {@code strftime_now}, and the variables {@code messages},
 * {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools = none},
 * {@code documents = none}. Instances are immutable and safe to share between threads: parse
 * once, render per row (on a Zen 4 core, JDK 17, the Llama 3.1 template parses in about 0.1 ms
 * and renders a three-message conversation in about 3 microseconds).
 */
public final class ChatTemplate {
    private static final List<String> NAMES = List.of("llama2", "llama3", "chatml", "zephyr", "mistral");

    private final String text;
    private final List<Node> nodes;

    private ChatTemplate(String text, List<Node> nodes) {
        this.text = text;
        this.nodes = nodes;
    }

    /**
     * Parses a template.
     *
     * @throws ChatTemplateException on a syntax error, an unknown filter, test or tag, or a
     *                               construct this renderer does not support, naming line and column
     */
    public static ChatTemplate parse(String templateText) {
        Objects.requireNonNull(templateText, "templateText");
        try {
            return new ChatTemplate(templateText, List.copyOf(Parser.parse(templateText)));
        } catch (StackOverflowError e) { // the parser recurses once per nesting level
            throw new ChatTemplateException("template nested too deeply to parse", 0, 0);
        }
    }

    /**
     * A built-in template: "llama2" (Llama 2 chat), "llama3" (Llama 3 Instruct), "chatml",
     * "zephyr" (TinyLlama chat) or "mistral" (Mistral Instruct v0.1/v0.2 style).
     *
     * @throws IllegalArgumentException for another name, listing the known ones
     */
    public static ChatTemplate named(String name) {
        ChatTemplate t = Builtins.TEMPLATES.get(name);
        if (t == null) {
            throw new IllegalArgumentException("unknown chat template '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        }
        return t;
    }

    /** The names {@link #named} knows, in a fixed order. */
    public static Set<String> names() {
        return Builtins.TEMPLATES.keySet();
    }

    /**
     * Renders a conversation to the prompt text.
     *
     * @param messages            the conversation, passed as {@code messages} (dicts with role and content)
     * @param addGenerationPrompt whether to end with the header of an assistant turn
     * @param bosToken            text of the BOS token, or null to leave {@code bos_token} undefined
     * @param eosToken            text of the EOS token, or null to leave {@code eos_token} undefined
     * @param today               the date {@code strftime_now} formats (fix it for reproducible prompts)
     * @throws ChatTemplateException when the template raises an exception or fails at run time
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, String bosToken, String eosToken, LocalDate today) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(today, "today");
        Scope context = new Scope(Globals.scope(today));
        List<Object> dicts = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<Object, Object> d = new LinkedHashMap<>();
            d.put("role", m.role());
            d.put("content", m.content());
            dicts.add(d);
        }
        context.set("messages", dicts);
        context.set("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) {
            context.set("bos_token", bosToken);
        }
        if (eosToken != null) {
            context.set("eos_token", eosToken);
        }
        context.set("tools", null);
        context.set("documents", null);
        StringBuilder out = new StringBuilder();
        try {
            new Renderer().render(nodes, context, out);
        } catch (StackOverflowError e) {
            throw new ChatTemplateException("template recursion too deep (a macro that calls itself without end?)", 0, 0);
        }
        return out.toString();
    }

    /** The template source, as given. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return "ChatTemplate(" + text.length() + " chars)";
    }

    /** The built-in templates, parsed on first use from {@code io/sparkllama/chat/NAME.jinja}. */
    private static final class Builtins {
        static final Map<String, ChatTemplate> TEMPLATES;

        static {
            Map<String, ChatTemplate> m = new LinkedHashMap<>();
            for (String name : NAMES) {
                m.put(name, parse(resource(name + ".jinja")));
            }
            TEMPLATES = Collections.unmodifiableMap(m);
        }

        private static String resource(String file) {
            try (InputStream in = ChatTemplate.class.getResourceAsStream(file)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource io/sparkllama/chat/" + file);
                }
                String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s; // files end with a newline, templates need not
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
