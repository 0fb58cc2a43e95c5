package io.sparkllama.model;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.FinishReason;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * llama3-mini.gguf (Llama 3.2 layout: rope base 500000, {@code rope_freqs}, grouped-query
 * attention, embedding tied to the output, the real Llama 3 tokenizer) against the float64
 * reference of {@code llama3_logits.jsonl}: the prompts tokenize to the reference ids, the
 * last-position logits (top 50, probes, mean) and, feeding the reference's greedy tokens back,
 * the chosen and runner-up logits of every step lie within {@code 1e-3 * std} (the bound of the
 * quantized-file references; the smallest greedy margin is 0.066, about 0.02 std), and greedy
 * generation through the engine gives the reference tokens.
 */
class Llama3ModelTest {
    private static final double LOGIT_BOUND = 1e-3;
    private static LoadedModel model;
    private static List<Map<String, Object>> lines;

    @BeforeAll
    static void load() throws Exception {
        model = ModelLoader.load(Shared.model("llama3-mini.gguf"), null);
        lines = Shared.jsonl(Shared.reference("llama3_logits.jsonl"));
        assertEquals(3, lines.size());
    }

    @Test
    void readsTheLlama32Layout() {
        LlamaConfig c = model.config();
        assertEquals(16, c.headSize());
        assertEquals(16, c.ropeDim());
        assertEquals(500000f, c.ropeTheta());
        assertEquals(2, c.kvGroup());
        assertSame(model.model().weights().tokenEmbedding(), model.model().weights().output(), "tied output");
        assertArrayEquals(new float[] {1, 1, 1, 1, 3.29226255f, 32, 32, 32}, model.model().weights().ropeFactors());
    }

    @Test
    void promptsTokenizeToTheReferenceIds() {
        for (Map<String, Object> line : lines) {
            String text = (String) line.get("prompt_text");
            boolean special = (Boolean) line.get("parse_special");
            // a rendered chat prompt writes the BOS itself
            boolean bos = !(special && text.startsWith("<|begin_of_text|>"));
            assertArrayEquals(Shared.ints(line.get("prompt_ids")), model.tokenizer().encode(text, bos, false, special),
                    (String) line.get("name"));
        }
    }

    @Test
    void logitsMatchTheFloat64Reference() {
        int vocab = model.config().vocabSize();
        List<int[]> sequences = teacherForcedSequences();
        float[][] alone = TeacherForcing.logits(model.model(), sequences, 1, 1, 1);
        for (int i = 0; i < lines.size(); i++) {
            check(lines.get(i), alone[i], vocab);
        }
        float[][] batched = TeacherForcing.logits(model.model(), sequences, 3, 16, 2);
        for (int i = 0; i < lines.size(); i++) {
            for (int k = 0; k < alone[i].length; k++) {
                if (Float.floatToRawIntBits(alone[i][k]) != Float.floatToRawIntBits(batched[i][k])) {
                    fail(lines.get(i).get("name") + ": batched logit " + k % vocab + " at position " + k / vocab
                            + " is " + batched[i][k] + ", alone " + alone[i][k]);
                }
            }
        }
    }

    private static List<int[]> teacherForcedSequences() {
        List<int[]> out = new ArrayList<>();
        for (Map<String, Object> line : lines) {
            int[] prompt = Shared.ints(line.get("prompt_ids"));
            int[] generated = Shared.ints(line.get("generated_ids"));
            int[] seq = new int[prompt.length + generated.length - 1];
            System.arraycopy(prompt, 0, seq, 0, prompt.length);
            System.arraycopy(generated, 0, seq, prompt.length, generated.length - 1);
            out.add(seq);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> line, float[] logits, int vocab) {
        String name = (String) line.get("name");
        Map<String, Object> last = (Map<String, Object>) line.get("last_logits");
        double std = ((Number) last.get("std")).doubleValue();
        double bound = LOGIT_BOUND * std;
        int base = ((Number) last.get("pos")).intValue() * vocab;
        for (Object o : (List<?>) last.get("top")) {
            List<?> pair = (List<?>) o;
            within(name + " top logit " + pair.get(0), logits[base + ((Number) pair.get(0)).intValue()], pair.get(1), bound);
        }
        for (Map.Entry<String, Object> probe : ((Map<String, Object>) last.get("probe")).entrySet()) {
            within(name + " probe " + probe.getKey(), logits[base + Integer.parseInt(probe.getKey())], probe.getValue(), bound);
        }
        double sum = 0;
        for (int id = 0; id < vocab; id++) {
            sum += logits[base + id];
        }
        within(name + " mean logit", (float) (sum / vocab), last.get("mean"), bound);
        for (Object o : (List<?>) line.get("greedy")) {
            Map<String, Object> step = (Map<String, Object>) o;
            int at = ((Number) step.get("pos")).intValue() * vocab;
            int token = ((Number) step.get("token")).intValue();
            int second = ((Number) step.get("second")).intValue();
            within(name + " step at " + step.get("pos"), logits[at + token], step.get("logit"), bound);
            within(name + " runner-up at " + step.get("pos"), logits[at + second], step.get("second_logit"), bound);
            int best = 0;
            for (int id = 1; id < vocab; id++) {
                if (logits[at + id] > logits[at + best]) {
                    best = id;
                }
            }
            assertEquals(token, best, name + " arg max at " + step.get("pos"));
        }
    }

    private static void within(String what, float got, Object want, double bound) {
        double w = ((Number) want).doubleValue();
        assertTrue(Math.abs(got - w) <= bound, what + ": " + got + ", reference " + w + " (bound " + bound + ")");
    }

    @Test
    void greedyGenerationThroughTheEngineEqualsTheReference() throws Exception {
        try (Engine engine = new Engine(model, EngineOptions.DEFAULTS.withMaxSequences(3).withThreads(2))) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Map<String, Object> line : lines) {
                futures.add(engine.submit(GenerationRequest.ofTokens(Shared.ints(line.get("prompt_ids")),
                        SamplingParams.GREEDY.withMaxTokens(16))));
            }
            for (int i = 0; i < lines.size(); i++) {
                GenerationResult r = futures.get(i).get();
                assertArrayEquals(Shared.ints(lines.get(i).get("generated_ids")), r.tokens(), (String) lines.get(i).get("name"));
                assertEquals(FinishReason.LENGTH, r.finishReason());
                // one token sequence cuts a character short: both sides write U+FFFD for it
                String want = new String(Shared.hex((String) lines.get(i).get("generated_bytes_hex")), StandardCharsets.UTF_8);
                assertEquals(want, r.text(), lines.get(i).get("name") + " text");
            }
        }
    }
}
