package io.sparkllama.tokenizer;

import io.sparkllama.format.Llama2cTokenizerReader;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every record of llama2.c's encode/decode references for the 32k and 512-token vocabularies. */
class TokenizerReferenceTest {
    private static Tokenizer tok32k;
    private static Tokenizer tok512;

    @BeforeAll
    static void load() throws Exception {
        tok32k = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tokenizer.bin"), 32000));
        tok512 = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tok512.bin"), 512));
    }

    @Test
    void encode32k() {
        checkEncode(tok32k, "tokenizer32k_encode.jsonl", 30);
    }

    @Test
    void encode512() {
        checkEncode(tok512, "tokenizer512_encode.jsonl", 10);
    }

    private static void checkEncode(Tokenizer tok, String file, int atLeast) {
        List<Map<String, Object>> records = Shared.jsonl(Shared.reference(file));
        assertTrue(records.size() >= atLeast, file + " has " + records.size() + " records");
        for (Map<String, Object> r : records) {
            String text = new String(Shared.hex((String) r.get("prompt_utf8_hex")), StandardCharsets.UTF_8);
            assertEquals(r.get("prompt"), text);
            boolean bos = ((Number) r.get("bos")).intValue() == 1;
            boolean eos = ((Number) r.get("eos")).intValue() == 1;
            assertArrayEquals(Shared.ints(r.get("tokens")), tok.encode(text, bos, eos), "encode " + r.get("prompt"));
        }
    }

    @Test
    void decode32k() {
        List<Map<String, Object>> records = Shared.jsonl(Shared.reference("tokenizer32k_decode.jsonl"));
        assertTrue(records.size() >= 10);
        for (Map<String, Object> r : records) {
            int[] ids = Shared.ints(r.get("ids"));
            List<?> pieces = (List<?>) r.get("pieces_hex");
            assertEquals(ids.length - 1, pieces.size());
            for (int i = 1; i < ids.length; i++) {
                assertArrayEquals(Shared.hex((String) pieces.get(i - 1)), tok32k.decode(ids[i - 1], ids[i]),
                        r.get("note") + ": piece " + i);
            }
            // Text through the streaming decoder: run.c's printed text, except that bytes forming
            // a UTF-8 character are kept (run.c drops every lone byte >= 0x80).
            String raw = (String) r.get("raw_text");
            String printed = (String) r.get("printed_text");
            String got = tok32k.decodeText(ids);
            if (raw != null && raw.equals(printed)) {
                assertEquals(printed, got, String.valueOf(r.get("note")));
            } else if (raw != null) {
                assertEquals(withoutDroppedControls(raw), got, String.valueOf(r.get("note")));
            }
        }
    }

    /** The raw text minus the ASCII control characters run.c (and TextDecoder) drop. */
    private static String withoutDroppedControls(String raw) {
        StringBuilder b = new StringBuilder();
        for (char c : raw.toCharArray()) {
            boolean dropped = (c < 0x20 && !(c == ' ' || (c >= '\t' && c <= '\r'))) || c == 0x7F;
            if (!dropped) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
