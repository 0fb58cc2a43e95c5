package io.sparkllama.cli;

import io.sparkllama.json.Json;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bench} sizes its KV cache like an engine and reports how much of it the tokens used. */
class BenchCommandTest {
    @Test
    @SuppressWarnings("unchecked")
    void kvPeakFollowsTheTokensNotSequencesTimesContext() {
        // stories260K: 5 layers x kv_dim 32 x 2 x 4 bytes = 1,280 bytes per position, blocks of 16 = 20,480 bytes
        CliTest.Run r = CliTest.run("bench", "--model", Shared.model("stories260K.gguf").toString(), "--batch", "4",
                "--prompt-tokens", "10", "--gen-tokens", "10", "--reps", "1", "--threads", "1", "--context", "512",
                "--kv-block", "16");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> row = (Map<String, Object>) Json.parse(r.out().lines().findFirst().orElseThrow());
        assertEquals(512L, row.get("context"));
        assertEquals(16L, row.get("kv_block"));
        assertEquals(4 * 2 * 20_480L, row.get("kv_bytes_peak"), "4 sequences of 20 positions: two blocks of 16 each");
        assertEquals(4 * 32 * 20_480L, row.get("kv_bytes_reserved"), "room for 4 sequences of 512 positions");
        assertTrue(r.err().contains("KV peak"), r.err());
        CliTest.Run bad = CliTest.run("bench", "--model", Shared.model("stories260K.gguf").toString(), "--kv-memory", "lots");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("--kv-memory: not a memory size: \"lots\""), bad.err());
    }
}
