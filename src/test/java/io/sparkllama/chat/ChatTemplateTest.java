package io.sparkllama.chat;

import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public API: parse, render's parameters, the named templates, sharing between threads. */
class ChatTemplateTest {
    private static final LocalDate DATE = LocalDate.of(2024, 7, 26);
    private static final List<ChatMessage> USER = List.of(new ChatMessage("user", "Hello"));
    private static final List<ChatMessage> SYSTEM_USER = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hello"));
    private static final List<ChatMessage> MULTI_TURN = List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hello"),
            new ChatMessage("assistant", "Hi!"), new ChatMessage("user", "Bye?"));

    @Test
    void textIsTheSource() {
        String src = "{{ messages|length }}\n";
        assertEquals(src, ChatTemplate.parse(src).text());
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(NullPointerException.class, () -> ChatTemplate.parse(null));
        assertThrows(NullPointerException.class, () -> new ChatMessage(null, "x"));
        assertThrows(NullPointerException.class, () -> new ChatMessage("user", null));
        ChatTemplate t = ChatTemplate.parse("x");
        assertThrows(NullPointerException.class, () -> t.render(null, true, null, null, DATE));
        assertThrows(NullPointerException.class, () -> t.render(USER, true, null, null, null));
    }

    @Test
    void nullSpecialTokensAreUndefined() {
        ChatTemplate t = ChatTemplate.parse("[{{ bos_token }}|{{ bos_token is defined }}|{{ eos_token is defined }}]");
        assertEquals("[|False|False]", t.render(USER, true, null, null, DATE));
        assertEquals("[<s>|True|True]", t.render(USER, true, "<s>", "</s>", DATE));
    }

    @Test
    void strftimeNowFormatsTheGivenDate() {
        ChatTemplate t = ChatTemplate.parse("{{ strftime_now('%d %b %Y') }}");
        assertEquals("26 Jul 2024", t.render(USER, true, null, null, DATE));
        assertEquals("01 Feb 2025", t.render(USER, true, null, null, LocalDate.of(2025, 2, 1)));
    }

    @Test
    void addGenerationPromptIsPassed() {
        ChatTemplate t = ChatTemplate.parse("{{ add_generation_prompt }}");
        assertEquals("True", t.render(USER, true, null, null, DATE));
        assertEquals("False", t.render(USER, false, null, null, DATE));
    }

    @Test
    void knownNames() {
        assertEquals(List.of("llama2", "llama3", "chatml", "zephyr", "mistral"), new ArrayList<>(ChatTemplate.names()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.named("vicuna"));
        assertEquals("unknown chat template 'vicuna' (known: llama2, llama3, chatml, zephyr, mistral)", e.getMessage());
    }

    /** llama2 and zephyr are the reference file's Llama 2 chat and TinyLlama templates, verbatim. */
    @Test
    void llama2AndZephyrAreTheReferenceTemplates() {
        Map<Object, String> texts = new java.util.HashMap<>();
        for (Map<String, Object> r : Shared.jsonl(Shared.reference("chat_templates.jsonl"))) {
            texts.put(r.get("template"), (String) r.get("template_text"));
        }
        assertEquals(texts.get("llama2-chat"), ChatTemplate.named("llama2").text());
        assertEquals(texts.get("tinyllama-chat"), ChatTemplate.named("zephyr").text());
    }

    /** The named template renders the user, system + user and multi-turn conversations as expected. */
    private static ChatTemplate assertFormat(String name, String bos, String eos, String user, String systemUser, String multiTurn) {
        ChatTemplate t = ChatTemplate.named(name);
        assertEquals(user, t.render(USER, true, bos, eos, DATE));
        assertEquals(systemUser, t.render(SYSTEM_USER, true, bos, eos, DATE));
        assertEquals(multiTurn, t.render(MULTI_TURN, true, bos, eos, DATE));
        return t;
    }

    @Test
    void llama2Format() {
        assertFormat("llama2", "<s>", "</s>",
                "<s>[INST] Hello [/INST]",
                "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello [/INST]",
                "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello [/INST] Hi! </s><s>[INST] Bye? [/INST]");
    }

    @Test
    void llama3Format() {
        String bos = "<|begin_of_text|>", eos = "<|eot_id|>";
        String system = "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>";
        String user = "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>";
        String assistant = "<|start_header_id|>assistant<|end_header_id|>\n\n";
        ChatTemplate t = assertFormat("llama3", bos, eos,
                bos + user + assistant,
                bos + system + user + assistant,
                bos + system + user + assistant + "Hi!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye?<|eot_id|>" + assistant);
        assertEquals(bos + user, t.render(USER, false, bos, eos, DATE));
        assertEquals(bos + user, t.render(List.of(new ChatMessage("user", "  Hello \n")), false, bos, eos, DATE)); // content trimmed
    }

    @Test
    void chatmlFormat() {
        String system = "<|im_start|>system\nBe brief.<|im_end|>\n";
        String user = "<|im_start|>user\nHello<|im_end|>\n";
        String assistant = "<|im_start|>assistant\n";
        ChatTemplate t = assertFormat("chatml", null, "<|im_end|>",
                user + assistant,
                system + user + assistant,
                system + user + assistant + "Hi!<|im_end|>\n<|im_start|>user\nBye?<|im_end|>\n" + assistant);
        assertEquals(user, t.render(USER, false, null, "<|im_end|>", DATE));
    }

    @Test
    void zephyrFormat() {
        assertFormat("zephyr", "<s>", "</s>",
                "<|user|>\nHello</s>\n<|assistant|>\n",
                "<|system|>\nBe brief.</s>\n<|user|>\nHello</s>\n<|assistant|>\n",
                "<|system|>\nBe brief.</s>\n<|user|>\nHello</s>\n<|assistant|>\nHi!</s>\n<|user|>\nBye?</s>\n<|assistant|>\n");
    }

    @Test
    void mistralFormat() {
        ChatTemplate t = assertFormat("mistral", "<s>", "</s>",
                "<s>[INST] Hello [/INST]",
                "<s>[INST] Be brief.\n\nHello [/INST]",
                "<s>[INST] Be brief.\n\nHello [/INST]Hi!</s>[INST] Bye? [/INST]");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> t.render(List.of(new ChatMessage("assistant", "x")), true, "<s>", "</s>", DATE));
        assertTrue(e.getMessage().startsWith("After the optional system message, conversation roles must alternate"), e.getMessage());
    }

    /** One parsed template rendered from many threads gives each thread its own, correct result. */
    @Test
    void oneTemplateServesManyThreads() throws Exception {
        ChatTemplate t = ChatTemplate.named("llama2");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int task = 0; task < 64; task++) {
                int n = task;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        String user = "question " + n + "." + i;
                        String out = t.render(List.of(new ChatMessage("system", "s" + n), new ChatMessage("user", user)), true, "<s>", "</s>", DATE);
                        if (!out.equals("<s>[INST] <<SYS>>\ns" + n + "\n<</SYS>>\n\n" + user + " [/INST]")) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
