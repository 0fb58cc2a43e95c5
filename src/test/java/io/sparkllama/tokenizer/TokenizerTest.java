package io.sparkllama.tokenizer;

import io.sparkllama.format.GgufReader;
import io.sparkllama.format.GgufVocabulary;
import io.sparkllama.format.Llama2cTokenizerReader;
import io.sparkllama.format.ModelFile;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerTest {
    private static Tokenizer bin512;
    private static Tokenizer gguf512;
    private static Tokenizer bin32k;

    @BeforeAll
    static void load() throws Exception {
        bin512 = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tok512.bin"), 512));
        bin32k = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tokenizer.bin")));
        try (ModelFile f = GgufReader.open(Shared.model("stories260K.gguf"))) {
            gguf512 = Tokenizer.of(GgufVocabulary.read(f));
        }
    }

    @Test
    void ggufVocabularyEncodesLikeTheLlama2cOne() {
        for (Map<String, Object> r : Shared.jsonl(Shared.reference("tokenizer512_encode.jsonl"))) {
            String text = (String) r.get("prompt");
            assertArrayEquals(Shared.ints(r.get("tokens")), gguf512.encode(text, true, false), text);
        }
        assertEquals(32000, bin32k.vocabulary().size());
    }

    @Test
    void unpairedSurrogatesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bin512.encode("ab\uD800c", true, false));
        assertTrue(e.getMessage().contains("unpaired high surrogate at index 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bin512.encode("\uDC00", true, false));
        assertTrue(e.getMessage().contains("unpaired low surrogate"), e.getMessage());
        assertEquals(5, bin512.encode("😀", false, false).length, "a paired surrogate is one character, 4 byte tokens + space");
    }

    @Test
    void bosAndEosAreOptional() {
        int[] plain = bin512.encode("Once upon a time", false, false);
        int[] both = bin512.encode("Once upon a time", true, true);
        assertEquals(plain.length + 2, both.length);
        assertEquals(1, both[0]);
        assertEquals(2, both[both.length - 1]);
        assertEquals(0, bin512.encode("", false, false).length);
    }

    @Test
    @Timeout(20)
    void longTextEncodesInLinearishTime() {
        StringBuilder b = new StringBuilder();
        while (b.length() < 200_000) {
            b.append("Once upon a time, there was a little girl named Lily. 你好 😀 ");
        }
        int[] ids = bin32k.encode(b.toString(), true, false);
        assertTrue(ids.length > 30_000);
        String back = bin32k.decodeText(ids);
        assertEquals(b.toString(), back);
    }

    @Test
    void decodeStripsTheSpaceOnlyAfterBos() {
        int[] ids = bin512.encode("Lily", true, false);
        assertEquals("Lily", new String(bin512.decode(1, ids[1]), StandardCharsets.UTF_8));
        assertEquals(" Lily", new String(bin512.decode(5, ids[1]), StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> bin512.decode(1, 512));
    }

    @Test
    void addEosFromTheFile(@TempDir java.nio.file.Path dir) throws Exception {
        io.sparkllama.testing.GgufWriter w = new io.sparkllama.testing.GgufWriter();
        io.sparkllama.testing.TestModels.vocabulary(w, bin512.vocabulary());
        java.nio.file.Path f = w.bool("tokenizer.ggml.add_eos_token", true).write(dir.resolve("eos.gguf"));
        Tokenizer t = Tokenizer.of(io.sparkllama.format.ModelFiles.readTokenizer(f, -1));
        assertTrue(t.vocabulary().addEos());
        int[] ids = t.encode("Once upon a time");
        assertEquals(t.vocabulary().bos(), ids[0]);
        assertEquals(t.vocabulary().eos(), ids[ids.length - 1]);
        assertArrayEquals(bin512.encode("Once upon a time", true, true), ids);
        assertTrue(!gguf512.vocabulary().addEos(), "stories260K.gguf does not ask for EOS");
    }
}
