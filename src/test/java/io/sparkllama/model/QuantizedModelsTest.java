package io.sparkllama.model;

import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.format.GgmlType;
import io.sparkllama.testing.Shared;
import io.sparkllama.testing.TestModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * stories260K in every supported weight type loads and generates; F16 keeps the greedy tokens of
 * F32 on all five references. The F16, Q8_0 and Q4_0 files come from the shared converter
 * (Q8_0 and Q4_0 files hold F16 for ffn_down, whose rows of 172 are no multiple of 32); BF16
 * is written by the tests' own GGUF writer.
 */
class QuantizedModelsTest {
    private static final List<Map<String, Object>> REFERENCES = Shared.jsonl(Shared.reference("stories260K_greedy.jsonl"));

    @Test
    void f16GivesTheGreedyTokensOfF32() throws Exception {
        LoadedModel m = ModelLoader.load(TestModels.converted("F16"), null);
        assertEquals(GgmlType.F16, m.model().weights().layers()[0].wq().type());
        try (Engine g = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(2))) {
            for (Map<String, Object> ref : REFERENCES) {
                int[] prompt = Shared.ints(ref.get("prompt_tokens"));
                int steps = ((Number) ref.get("steps")).intValue();
                GenerationResult r = g.generate(GenerationRequest.ofTokens(prompt, SamplingParams.GREEDY.withMaxTokens(steps - prompt.length + 1)));
                assertArrayEquals(Shared.ints(ref.get("generated_tokens")), r.tokens(), "F16 tokens for '" + ref.get("prompt") + "'");
            }
        }
    }

    @Test
    void q8LoadsAndGenerates() throws Exception {
        checkGenerates(TestModels.converted("Q8_0"), GgmlType.Q8_0, 0.9);
    }

    @Test
    void q4LoadsAndGenerates() throws Exception {
        checkGenerates(TestModels.converted("Q4_0"), GgmlType.Q4_0, 0.05);
    }

    @Test
    void bf16LoadsAndGenerates() throws Exception {
        checkGenerates(TestModels.bf16(), GgmlType.BF16, 0.5);
    }

    /**
     * Loads, checks the weight type, and greedily generates from the first reference's prompt:
     * the story must start like F32's, for at least {@code minAgreement} of 64 tokens (quantization
     * error makes long greedy runs drift, the more so the coarser the type).
     */
    private static void checkGenerates(Path file, GgmlType type, double minAgreement) throws Exception {
        LoadedModel m = ModelLoader.load(file, null);
        assertEquals(type, m.model().weights().layers()[0].wq().type());
        Map<String, Object> ref = REFERENCES.get(1);
        int[] prompt = Shared.ints(ref.get("prompt_tokens"));
        int[] expected = Shared.ints(ref.get("generated_tokens"));
        try (Engine g = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(2))) {
            GenerationResult r = g.generate(GenerationRequest.ofTokens(prompt, SamplingParams.GREEDY.withMaxTokens(64)));
            assertEquals(64, r.tokens().length);
            int same = 0;
            while (same < 64 && r.tokens()[same] == expected[same]) {
                same++;
            }
            assertTrue(same >= minAgreement * 64, type + " agrees with F32 for only " + same + " of 64 tokens: " + r.text());
            assertTrue(r.text().startsWith(", there was a little girl"), type + " text: " + r.text());
        }
    }
}
