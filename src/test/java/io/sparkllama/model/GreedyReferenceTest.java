package io.sparkllama.model;

import io.sparkllama.engine.FinishReason;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.kernels.ComputePool;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The five greedy references of llama2.c's run.c on stories260K, from both the GGUF file and
 * the llama2.c checkpoint: prompt tokens, generated tokens, the stop on a sampled BOS, the text,
 * and the first logits at positions 0-2.
 */
class GreedyReferenceTest {
    private static List<Map<String, Object>> references;
    private static ComputePool pool;

    @BeforeAll
    static void setUp() {
        references = Shared.jsonl(Shared.reference("stories260K_greedy.jsonl"));
        pool = new ComputePool(2, "test");
    }

    @AfterAll
    static void tearDown() {
        pool.close();
    }

    @Test
    void ggufReproducesRunC() throws Exception {
        check(ModelLoader.load(Shared.model("stories260K.gguf"), null));
    }

    @Test
    void llama2cCheckpointReproducesRunC() throws Exception {
        check(ModelLoader.load(Shared.model("stories260K.bin"), Shared.model("tok512.bin")));
    }

    static void check(LoadedModel m) {
        assertEquals(5, references.size());
        try (Engine g = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(2))) {
            for (Map<String, Object> ref : references) {
                String prompt = (String) ref.get("prompt");
                int[] promptTokens = m.tokenizer().encode(prompt, true, false);
                assertArrayEquals(Shared.ints(ref.get("prompt_tokens")), promptTokens, "prompt tokens of '" + prompt + "'");
                int steps = ((Number) ref.get("steps")).intValue();
                int maxTokens = steps - promptTokens.length + 1;
                GenerationResult r = g.generate(GenerationRequest.ofTokens(promptTokens, SamplingParams.GREEDY.withMaxTokens(maxTokens)));
                int[] expected = Shared.ints(ref.get("generated_tokens"));
                assertArrayEquals(expected, r.tokens(), "generated tokens of '" + prompt + "'");
                boolean bosStop = "bos".equals(ref.get("stop"));
                assertEquals(bosStop ? FinishReason.STOP : FinishReason.LENGTH, r.finishReason(), "finish of '" + prompt + "'");
                assertEquals(ref.get("text"), m.tokenizer().decodeText(promptTokens) + r.text(), "text of '" + prompt + "'");
                checkFirstLogits(m, ref, promptTokens, r.tokens());
            }
        }
    }

    /** Logits of forward(seq[p], p) for p = 0, 1, 2 agree with run.c's within 1e-4. */
    private static void checkFirstLogits(LoadedModel m, Map<String, Object> ref, int[] prompt, int[] generated) {
        int[] seq = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, seq, 0, prompt.length);
        System.arraycopy(generated, 0, seq, prompt.length, generated.length);
        LlamaModel model = m.model();
        KvCache cache = KvCache.allocate(model.config(), 1, model.config().contextLength(), KvCache.Type.F32);
        ForwardState state = model.newState(1, 1);
        TokenBatch batch = new TokenBatch(1);
        List<?> expected = (List<?>) ref.get("first_logits");
        for (int p = 0; p < expected.size(); p++) {
            batch.clear();
            batch.add(seq[p], p, 0, true);
            model.forward(batch, cache, state, pool);
            List<?> row = (List<?>) expected.get(p);
            for (int j = 0; j < row.size(); j++) {
                float want = ((Number) row.get(j)).floatValue();
                float got = state.logits()[j];
                assertTrue(Math.abs(want - got) <= 1e-4f, "logit " + j + " at position " + p + ": " + got + " vs run.c " + want);
            }
        }
    }

    static Path gguf() {
        return Shared.model("stories260K.gguf");
    }
}
