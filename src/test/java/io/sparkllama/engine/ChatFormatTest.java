package io.sparkllama.engine;

import io.sparkllama.chat.ChatMessage;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model's chat format: llama3-mini's own template renders the Llama 3.2 conversations of
 * {@code chat_templates.jsonl} (Python Jinja2's output) without the leading BOS text, which the
 * tokenizer adds as the BOS token, so the prompt holds BOS once; a file without a template is
 * refused unless a built-in format is named.
 */
class ChatFormatTest {
    private static final LocalDate DATE = LocalDate.of(2024, 7, 26);
    private static LoadedModel llama3;
    private static LoadedModel stories;

    @BeforeAll
    static void load() throws Exception {
        llama3 = ModelLoader.load(Shared.model("llama3-mini.gguf"), null);
        stories = ModelLoader.load(Shared.model("stories260K.gguf"), null);
    }

    @Test
    void theFilesTemplateRendersTheReferenceWithoutItsBosText() {
        ChatFormat format = ChatFormat.of(ChatFormat.MODEL, llama3, DATE);
        int lines = 0;
        for (Map<String, Object> line : Shared.jsonl(Shared.reference("chat_templates.jsonl"))) {
            if (!"llama3.2-instruct".equals(line.get("template"))) {
                continue;
            }
            lines++;
            String expected = (String) line.get("expected");
            assertTrue(expected.startsWith("<|begin_of_text|>"));
            String rendered = format.render(messages(line.get("messages")));
            assertEquals(expected.substring("<|begin_of_text|>".length()), rendered, (String) line.get("conversation"));
            int[] tokens = llama3.tokenizer().encode(rendered, true, false, true);
            assertArrayEquals(llama3.tokenizer().encode(expected, false, false, true), tokens);
            assertEquals(1, java.util.Arrays.stream(tokens).filter(t -> t == 128000).count(), "one BOS");
        }
        assertEquals(3, lines);
    }

    @Test
    void aFileWithoutATemplateNeedsANamedFormat() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatFormat.of(null, stories, DATE));
        assertTrue(e.getMessage().contains("stories260K.gguf has no chat template") && e.getMessage().contains("llama2"),
                e.getMessage());
        ChatFormat llama2 = ChatFormat.of("llama2", stories, DATE);
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]", llama2.render("Be brief.", "Hi"));
        assertThrows(IllegalArgumentException.class, () -> ChatFormat.of("vicuna", stories, DATE));
        // a default system message goes first only when the conversation has none
        List<ChatMessage> own = List.of(new ChatMessage("system", "Be long."), new ChatMessage("user", "Hi"));
        assertEquals(llama2.render(own), llama2.render("Be brief.", own));
        assertEquals(llama2.render("Be brief.", "Hi"), llama2.render("Be brief.", List.of(new ChatMessage("user", "Hi"))));
    }

    @SuppressWarnings("unchecked")
    private static List<ChatMessage> messages(Object json) {
        List<ChatMessage> out = new ArrayList<>();
        for (Object o : (List<?>) json) {
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new ChatMessage((String) m.get("role"), (String) m.get("content")));
        }
        return out;
    }
}
