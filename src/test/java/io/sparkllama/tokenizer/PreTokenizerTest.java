package io.sparkllama.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-tokenizer splits of llama.cpp's regular expressions (FORMATS.md section 4), worked out
 * by hand from the expressions: Llama 3's is also checked end to end by Llama3TokenizerTest; the
 * others have no reference ids here, so these cases pin their passes.
 */
class PreTokenizerTest {
    @Test
    void llama3() {
        PreTokenizer p = PreTokenizer.of("llama-bpe");
        assertEquals(List.of("Hello", " world"), p.pieces("Hello world"));
        assertEquals(List.of("123", "456", "7"), p.pieces("1234567"));
        assertEquals(List.of("I", "'M", " here"), p.pieces("I'M here"));
        assertEquals(List.of(" ", " two"), p.pieces("  two"));
        assertEquals(List.of("a", "\n\n", "b"), p.pieces("a\n\nb"));
        // a character that is no letter, digit or line break joins the letters after it, as a space does
        assertEquals(List.of("a", "\u3000b"), p.pieces("a\u3000b"));
        assertTrue(PreTokenizer.ignoresMerges("llama-bpe") && PreTokenizer.addsBos("llama3"));
        assertFalse(PreTokenizer.ignoresMerges("smaug-bpe") || PreTokenizer.addsBos("smollm"));
    }

    @Test
    void smollmSplitsDigitsFirstThenGpt2() {
        PreTokenizer p = PreTokenizer.of("smollm");
        assertEquals(List.of("abc", "1", "2", "3", " def"), p.pieces("abc123 def"));
        assertEquals(List.of("x", " ", " y"), p.pieces("x  y"));
        assertEquals(List.of("it", "'s", " ok"), p.pieces("it's ok"));
    }

    @Test
    void defaultAndQwen2() {
        assertEquals(List.of("Hello", ",", " world", "!"), PreTokenizer.of("default").pieces("Hello, world!"));
        assertEquals(List.of("1", "2", "3", "4", "5"), PreTokenizer.of("qwen2").pieces("12345"));
    }

    @Test
    void anUnknownValueIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PreTokenizer.of("tekken"));
        assertTrue(e.getMessage().contains("\"tekken\"") && e.getMessage().contains("llama-bpe"), e.getMessage());
    }
}
