package io.sparkllama.model;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every file llama.cpp's own quantizer wrote in {@code ../shared/models/quant} (mini models in a
 * dozen file types, the real stories260K in four) against the float64 reference logits of
 * {@code ../shared/reference/quant_logits.jsonl}, with the bounds its README states:
 * <ul>
 * <li>the logits at the reference positions of each prompt, and, feeding the reference's greedy
 * tokens back (teacher forcing), the chosen token's logit and the runner-up logit at each of the
 * 24 steps, all within {@code 1e-3 * last_logit_std};</li>
 * <li>the arg max is the reference token wherever the reference's top-2 margin exceeds
 * {@code 2e-3 * last_logit_std}, and free-running greedy generation through the engine equals
 * the reference tokens up to the first step below that margin;</li>
 * <li>the logits are bit-identical whether a sequence runs alone token by token (the
 * single-sequence kernels) or in batches of 3, 16, 33 and more tokens, on one or two threads.</li>
 * </ul>
 */
class QuantLogitsTest {
    private static final double LOGIT_BOUND = 1e-3;
    private static final double MARGIN_BOUND = 2e-3;
    private static final int STEPS = 24;

    @TestFactory
    Stream<DynamicTest> everyQuantizedFileMatchesTheFloat64Reference() {
        Map<String, List<Map<String, Object>>> byFile = new LinkedHashMap<>();
        for (Map<String, Object> line : Shared.jsonl(Shared.reference("quant_logits.jsonl"))) {
            byFile.computeIfAbsent((String) line.get("file"), f -> new ArrayList<>()).add(line);
        }
        assertEquals(30, byFile.size(), "files in quant_logits.jsonl");
        return byFile.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(),
                () -> check(Shared.model("quant").resolve(e.getKey()), e.getValue())));
    }

    private static void check(Path file, List<Map<String, Object>> lines) throws Exception {
        LoadedModel m = ModelLoader.load(file, null);
        int vocab = m.config().vocabSize();
        List<int[]> sequences = new ArrayList<>();
        for (Map<String, Object> line : lines) {
            int[] prompt = Shared.ints(line.get("prompt_tokens"));
            int[] greedy = Shared.ints(line.get("greedy_tokens"));
            int[] seq = new int[prompt.length + STEPS - 1];
            System.arraycopy(prompt, 0, seq, 0, prompt.length);
            System.arraycopy(greedy, 0, seq, prompt.length, STEPS - 1);
            sequences.add(seq);
        }
        // the reference run: each sequence alone, one token per step
        float[][] alone = TeacherForcing.logits(m.model(), sequences, 1, 1, 1);
        for (int i = 0; i < lines.size(); i++) {
            compareWithReference(file.getFileName() + " \"" + lines.get(i).get("prompt") + "\"", lines.get(i), alone[i], vocab);
        }
        int[][] compositions = {{3, 1, 2}, {1, 16, 1}, {1, 33, 2}, {3, 16, 2}, {3, 33, 1}}; // together, chunk, threads
        for (int[] c : compositions) {
            float[][] batched = TeacherForcing.logits(m.model(), sequences, c[0], c[1], c[2]);
            for (int i = 0; i < sequences.size(); i++) {
                assertBitsEqual(alone[i], batched[i], vocab, file.getFileName() + " sequence " + i + " with " + c[0]
                        + " together, " + c[1] + " tokens per step, " + c[2] + " threads");
            }
        }
        freeRunningGreedy(file, m, lines);
    }

    private static void compareWithReference(String what, Map<String, Object> line, float[] logits, int vocab) {
        double std = ((Number) line.get("last_logit_std")).doubleValue();
        double bound = LOGIT_BOUND * std;
        int[] positions = Shared.ints(line.get("positions"));
        List<?> refLogits = (List<?>) line.get("logits");
        for (int k = 0; k < positions.length; k++) {
            List<?> ref = (List<?>) refLogits.get(k);
            assertEquals(vocab, ref.size());
            for (int id = 0; id < vocab; id++) {
                double want = ((Number) ref.get(id)).doubleValue(), got = logits[positions[k] * vocab + id];
                if (!(Math.abs(got - want) <= bound)) {
                    fail(what + ": logit " + id + " at position " + positions[k] + " is " + got + ", reference " + want
                            + " (bound " + bound + ")");
                }
            }
        }
        int promptLength = Shared.ints(line.get("prompt_tokens")).length;
        int[] greedy = Shared.ints(line.get("greedy_tokens"));
        List<?> top2 = (List<?>) line.get("greedy_top2_logits");
        List<?> margins = (List<?>) line.get("greedy_margins");
        for (int step = 0; step < STEPS; step++) {
            int base = (promptLength - 1 + step) * vocab;
            int best = 0, second = -1;
            for (int id = 1; id < vocab; id++) {
                if (logits[base + id] > logits[base + best]) {
                    second = best;
                    best = id;
                } else if (second < 0 || logits[base + id] > logits[base + second]) {
                    second = id;
                }
            }
            List<?> t = (List<?>) top2.get(step);
            double refTop = ((Number) t.get(0)).doubleValue(), refSecond = ((Number) t.get(1)).doubleValue();
            float chosen = logits[base + greedy[step]];
            float runnerUp = greedy[step] == best ? logits[base + second] : logits[base + best];
            assertTrue(Math.abs(chosen - refTop) <= bound, what + " step " + step + ": logit of token " + greedy[step]
                    + " is " + chosen + ", reference " + refTop + " (bound " + bound + ")");
            assertTrue(Math.abs(runnerUp - refSecond) <= bound, what + " step " + step + ": runner-up logit " + runnerUp
                    + ", reference " + refSecond + " (bound " + bound + ")");
            if (((Number) margins.get(step)).doubleValue() > MARGIN_BOUND * std) {
                assertEquals(greedy[step], best, what + " step " + step + ": arg max");
            }
        }
    }

    /** Greedy generation through the engine (all prompts at once) equals the reference up to its first narrow margin. */
    private static void freeRunningGreedy(Path file, LoadedModel m, List<Map<String, Object>> lines) throws Exception {
        try (Engine engine = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(lines.size()).withThreads(2))) {
            List<java.util.concurrent.CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Map<String, Object> line : lines) {
                futures.add(engine.submit(GenerationRequest.ofTokens(Shared.ints(line.get("prompt_tokens")),
                        SamplingParams.GREEDY.withMaxTokens(STEPS))));
            }
            for (int i = 0; i < lines.size(); i++) {
                Map<String, Object> line = lines.get(i);
                double threshold = MARGIN_BOUND * ((Number) line.get("last_logit_std")).doubleValue();
                int[] want = Shared.ints(line.get("greedy_tokens"));
                int[] got = futures.get(i).get().tokens();
                List<?> margins = (List<?>) line.get("greedy_margins");
                for (int step = 0; step < STEPS; step++) {
                    if (step == got.length) {
                        // the engine ends a sequence at BOS or EOS (1, 2), the reference does not
                        assertTrue(want[step] == 1 || want[step] == 2, file.getFileName() + " prompt " + i
                                + ": generation stopped after " + got.length + " tokens, reference goes on with " + want[step]);
                        break;
                    }
                    assertEquals(want[step], got[step], file.getFileName() + " prompt " + i + " step " + step);
                    if (((Number) margins.get(step)).doubleValue() <= threshold) {
                        break;
                    }
                }
            }
        }
    }

    private static void assertBitsEqual(float[] want, float[] got, int vocab, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + ": logit " + i % vocab + " at position " + i / vocab + " is " + got[i] + ", alone " + want[i]);
            }
        }
    }
}
