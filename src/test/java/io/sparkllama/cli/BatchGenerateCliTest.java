package io.sparkllama.cli;

import io.sparkllama.json.Json;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --prompts FILE.jsonl}: one result per input line, in order; bad lines become error results. */
class BatchGenerateCliTest {
    @TempDir
    Path dir;

    private static final String GGUF = Shared.model("stories260K.gguf").toString();

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(String out) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                rows.add((Map<String, Object>) Json.parse(line));
            }
        }
        return rows;
    }

    @Test
    void resultsInInputOrderWithErrorRows() throws Exception {
        List<String> lines = new ArrayList<>();
        for (Map<String, Object> ref : Shared.jsonl(Shared.reference("stories260K_greedy.jsonl"))) {
            int promptTokens = Shared.ints(ref.get("prompt_tokens")).length;
            int max = ((Number) ref.get("steps")).intValue() - promptTokens + 1;
            lines.add(Json.toJson(Map.of("id", "ref" + lines.size(), "prompt", ref.get("prompt"), "temperature", 0, "max_tokens", max)));
        }
        lines.add("{\"id\": 7, \"prompt\": \"The little dog\", \"temperature\": 0.8, \"seed\": 3, \"max_tokens\": 30}");
        lines.add("this is not json");
        lines.add("{\"id\": \"no-prompt\"}");
        lines.add("");
        lines.add("{\"id\": \"neg\", \"prompt\": \"x\", \"max_tokens\": -5}");
        lines.add("{\"id\": \"temp\", \"prompt\": \"x\", \"temperature\": \"hot\"}");
        lines.add("{\"id\": \"stop\", \"prompt\": \"Once upon a time\", \"temperature\": 0, \"stop\": [\"Lily\"], \"max_tokens\": 50}");
        Path in = Files.write(dir.resolve("prompts.jsonl"), lines, StandardCharsets.UTF_8);

        List<Map<String, Object>> first = null;
        for (String batch : new String[] {"1", "4", "16"}) {
            Path out = dir.resolve("out" + batch + ".jsonl");
            CliTest.Run r = CliTest.run("generate", "--model", GGUF, "--prompts", in.toString(), "--output", out.toString(),
                    "--batch-size", batch, "--seed", "11");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.err().contains("11 rows (4 errors)"), r.err());
            List<Map<String, Object>> rows = results(Files.readString(out));
            assertEquals(11, rows.size());
            for (int i = 0; i < 5; i++) {
                Map<String, Object> row = rows.get(i);
                Map<String, Object> ref = Shared.jsonl(Shared.reference("stories260K_greedy.jsonl")).get(i);
                assertEquals("ref" + i, row.get("id"));
                assertEquals(ref.get("text"), ref.get("prompt") + (String) row.get("completion"));
                assertEquals("bos".equals(ref.get("stop")) ? "stop" : "length", row.get("finish_reason"));
                assertNull(row.get("error"));
                assertEquals((long) Shared.ints(ref.get("generated_tokens")).length, row.get("completion_tokens"));
            }
            assertEquals(7L, rows.get(5).get("id"));
            assertEquals(30L, rows.get(5).get("completion_tokens"));
            assertEquals(7L, rows.get(6).get("id"), "a line that is not JSON is identified by its line number");
            assertEquals("error", rows.get(6).get("finish_reason"));
            assertEquals("line 7 is not a JSON object", rows.get(6).get("error"));
            assertEquals("no-prompt", rows.get(7).get("id"));
            assertEquals("missing \"prompt\"", rows.get(7).get("error"));
            assertEquals("neg", rows.get(8).get("id"));
            assertTrue(((String) rows.get(8).get("error")).contains("max_tokens"));
            assertTrue(((String) rows.get(9).get("error")).contains("temperature"));
            assertEquals("stop", rows.get(10).get("finish_reason"));
            assertEquals(", there was a little girl named ", rows.get(10).get("completion"));
            if (first == null) {
                first = rows;
            } else {
                assertEquals(first, rows, "batch size " + batch + " changes nothing");
            }
        }
    }

    @Test
    void encodingAndSyntaxEdgeCases() throws Exception {
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        file.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a byte-order mark, as some editors write
        file.write("{\"id\": \"bom\", \"prompt\": \"Tom\", \"max_tokens\": 3}\r\n".getBytes(StandardCharsets.UTF_8));
        file.write("not json\n".getBytes(StandardCharsets.UTF_8));
        file.write("{\"id\": \"cut\", \"prompt\": \"Tom\"\n".getBytes(StandardCharsets.UTF_8));
        file.write("{\"id\": \"bad-utf8\", \"prompt\": \"Tom \u00ff\"}\n".getBytes(StandardCharsets.ISO_8859_1)); // a lone 0xFF
        file.write("{\"id\": \"fffd\", \"prompt\": \"Tom saw a \uFFFD sign\", \"max_tokens\": 3}\n".getBytes(StandardCharsets.UTF_8));
        file.write("{\"id\": \"escaped\", \"prompt\": \"Tom saw a \\ufffd sign\", \"max_tokens\": 3}".getBytes(StandardCharsets.UTF_8));
        Path in = Files.write(dir.resolve("edge.jsonl"), file.toByteArray());
        CliTest.Run r = CliTest.run("generate", "--model", GGUF, "--prompts", in.toString(), "--temperature", "0");
        assertEquals(0, r.status(), r.err());
        List<Map<String, Object>> rows = results(r.out());
        assertEquals(6, rows.size(), r.out());
        assertEquals("bom", rows.get(0).get("id"), "the byte-order mark is dropped");
        assertNull(rows.get(0).get("error"));
        assertEquals(2L, rows.get(1).get("id"));
        assertEquals("line 2 is not a JSON object", rows.get(1).get("error"));
        assertEquals(3L, rows.get(2).get("id"));
        assertTrue(((String) rows.get(2).get("error")).startsWith("line 3 is not valid JSON: invalid JSON at character"),
                (String) rows.get(2).get("error"));
        assertEquals(4L, rows.get(3).get("id"), "an undecodable line is identified by its number");
        assertEquals("line 4 is not valid UTF-8", rows.get(3).get("error"));
        assertEquals("error", rows.get(3).get("finish_reason"));
        for (Map<String, Object> row : rows.subList(4, 6)) {
            assertNull(row.get("error"), "U+FFFD in valid text is a character like any other: " + row);
            assertEquals(3L, row.get("completion_tokens"));
        }
        assertEquals(rows.get(4).get("completion"), rows.get(5).get("completion"), "the same prompt either way");
        assertTrue(r.err().contains("6 rows (3 errors)"), r.err());
    }

    @Test
    void resultsGoToStdoutWithoutOutput() throws Exception {
        Path in = Files.writeString(dir.resolve("p.jsonl"), "{\"prompt\": \"Tom\", \"max_tokens\": 5, \"temperature\": 0}\n");
        CliTest.Run r = CliTest.run("generate", "--model", GGUF, "--prompts", in.toString());
        assertEquals(0, r.status(), r.err());
        List<Map<String, Object>> rows = results(r.out());
        assertEquals(1, rows.size());
        assertEquals(1L, rows.get(0).get("id"), "without an id, the line number");
        assertEquals(5L, rows.get(0).get("completion_tokens"));
    }
}
