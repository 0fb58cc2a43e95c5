package io.sparkllama.tokenizer;

import io.sparkllama.format.ModelFiles;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The byte-level BPE tokenizer of llama3-mini.gguf (the real Llama 3 vocabulary and merges)
 * against llama.cpp's ids for every text of {@code llama3_tokenize.jsonl}, with and without
 * special-token parsing, and against its decode references.
 */
class Llama3TokenizerTest {
    private static Tokenizer tok;
    private static List<Map<String, Object>> encodes;
    private static List<Map<String, Object>> decodes;

    @BeforeAll
    static void load() throws Exception {
        tok = Tokenizer.of(ModelFiles.readTokenizer(Shared.model("llama3-mini.gguf"), -1));
        encodes = new ArrayList<>();
        decodes = new ArrayList<>();
        for (Map<String, Object> r : Shared.jsonl(Shared.reference("llama3_tokenize.jsonl"))) {
            (r.containsKey("decode_ids") ? decodes : encodes).add(r);
        }
    }

    @Test
    void vocabularyIsByteLevelWithTheFilesSpecialTokens() {
        Vocabulary v = tok.vocabulary();
        assertTrue(tok instanceof ByteLevelBpeTokenizer);
        assertEquals(128256, v.size());
        assertEquals(128000, v.bos());
        assertEquals(128009, v.eos());
        assertTrue(v.addBos());
        assertArrayEquals(new int[] {128001, 128008, 128009}, v.endOfGeneration());
        assertEquals("llama-bpe", v.bpe().pre());
    }

    @Test
    void encodesLikeLlamaCpp() {
        assertEquals(54, encodes.size());
        int withSpecials = 0;
        for (Map<String, Object> r : encodes) {
            String text = new String(Shared.hex((String) r.get("text_utf8_hex")), StandardCharsets.UTF_8);
            assertEquals(r.get("text"), text);
            String name = (String) r.get("name");
            assertArrayEquals(Shared.ints(r.get("ids")), tok.encode(text, true, false, false), name + " (special tokens as text)");
            int[] parsed = Shared.ints(r.get("ids_parse_special"));
            assertArrayEquals(parsed, tok.encode(text, true, false, true), name + " (special tokens parsed)");
            if (!java.util.Arrays.equals(parsed, Shared.ints(r.get("ids")))) {
                withSpecials++;
            }
        }
        assertEquals(4, withSpecials, "texts whose special tokens parse differently");
    }

    @Test
    void encodesWithoutBosWhenAsked() {
        assertArrayEquals(new int[] {9906, 1917}, tok.encode("Hello world", false, false, false));
        assertArrayEquals(new int[] {128000, 9906, 1917}, tok.encode("Hello world"));
    }

    @Test
    void decodesToLlamaCppsBytes() {
        assertEquals(9, decodes.size());
        for (Map<String, Object> r : decodes) {
            int[] ids = Shared.ints(r.get("decode_ids"));
            assertArrayEquals(Shared.hex((String) r.get("bytes_with_special_hex")), tok.decodeBytes(ids, true));
            assertArrayEquals(Shared.hex((String) r.get("bytes_skip_special_hex")), tok.decodeBytes(ids, false));
        }
    }

    @Test
    void everyEncodedTextDecodesBackToItsBytes() {
        for (Map<String, Object> r : encodes) {
            byte[] bytes = Shared.hex((String) r.get("text_utf8_hex"));
            int[] ids = tok.encode(new String(bytes, StandardCharsets.UTF_8), false, false, true);
            assertArrayEquals(bytes, tok.decodeBytes(ids, true), (String) r.get("name"));
        }
    }

    @Test
    void generatedControlTokensAddNoText() {
        assertEquals(0, tok.decode(9906, 128009).length);
        assertFalse(new String(tok.decode(9906, 1917), StandardCharsets.UTF_8).isEmpty());
    }
}
