package io.sparkllama.engine;

import io.sparkllama.kernels.ComputePool;
import io.sparkllama.model.ForwardState;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaModel;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.model.TokenBatch;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Score and choose modes, and the prefix cache, on stories260K. */
@Timeout(120)
class ScoringTest {
    private static LoadedModel m;
    private static List<Map<String, Object>> refs;

    @BeforeAll
    static void load() throws Exception {
        m = ModelLoader.load(Shared.model("stories260K.gguf"), null);
        refs = Shared.jsonl(Shared.reference("stories260K_greedy.jsonl"));
    }

    /** Log-probabilities of {@code continuation} after {@code context} from one-token-at-a-time forward passes. */
    private static double[] plainForwardLogprobs(int[] context, int[] continuation) {
        LlamaModel model = m.model();
        int vocab = model.config().vocabSize();
        KvCache cache = KvCache.allocate(model.config(), 1, context.length + continuation.length, KvCache.Type.F32);
        ForwardState state = model.newState(1, 1);
        TokenBatch batch = new TokenBatch(1);
        LogSoftmax ls = new LogSoftmax(vocab);
        double[] out = new double[continuation.length];
        int[] seq = new int[context.length + continuation.length];
        System.arraycopy(context, 0, seq, 0, context.length);
        System.arraycopy(continuation, 0, seq, context.length, continuation.length);
        try (ComputePool pool = new ComputePool(1, "plain")) {
            for (int p = 0; p < seq.length - 1; p++) {
                batch.clear();
                batch.add(seq[p], p, 0, true);
                model.forward(batch, cache, state, pool);
                if (p >= context.length - 1) {
                    out[p - context.length + 1] = ls.logProb(state.logits(), 0, vocab, seq[p + 1]);
                }
            }
        }
        return out;
    }

    private static List<ScoreRequest> referenceRequests() {
        List<ScoreRequest> out = new ArrayList<>();
        for (Map<String, Object> ref : refs) {
            int[] generated = Shared.ints(ref.get("generated_tokens"));
            out.add(new ScoreRequest(Shared.ints(ref.get("prompt_tokens")), List.of(java.util.Arrays.copyOf(generated, 100))));
        }
        return out;
    }

    @Test
    void greedyContinuationsAreGreedyAndMatchThePlainForwardPass() {
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(4).withThreads(2))) {
            for (ScoreRequest r : referenceRequests()) {
                ScoreResult s = e.score(r);
                OptionScore o = s.options().get(0);
                assertTrue(o.greedy(), "the greedy continuation is greedy");
                double[] plain = plainForwardLogprobs(r.context(), r.continuations().get(0));
                double sum = 0;
                for (int i = 0; i < plain.length; i++) {
                    assertEquals(Double.doubleToLongBits(plain[i]), Double.doubleToLongBits(o.tokenLogprobs()[i]), "token " + i);
                    sum += plain[i];
                }
                assertEquals(Double.doubleToLongBits(sum), Double.doubleToLongBits(o.logprob()));
                assertTrue(o.logprob() < 0 && o.perplexity() > 1);
            }
            // a continuation that is not the greedy one
            int[][] pair = Scoring.encodePair(m.tokenizer(), "Once upon a time", ", there was a big green dragon.");
            assertFalse(e.score(new ScoreRequest(pair[0], List.of(pair[1]))).options().get(0).greedy());
        }
    }

    @Test
    void scoresAreBitIdenticalAcrossBatchSizesAndPrefixReuse() {
        List<ScoreRequest> requests = referenceRequests();
        List<List<OptionScore>> runs = new ArrayList<>();
        for (EngineOptions o : List.of(EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(1),
                EngineOptions.DEFAULTS.withMaxSequences(16).withThreads(2).withKvBlockSize(16),
                // blocks of 4: the short contexts fill whole blocks to share, and forked continuations copy partial ones
                EngineOptions.DEFAULTS.withMaxSequences(3).withThreads(2).withPrefillChunk(7).withPrefixCacheSlots(1)
                        .withKvBlockSize(4))) {
            try (Engine e = new Engine(m, o)) {
                List<CompletableFuture<ScoreResult>> fs = new ArrayList<>();
                List<CompletableFuture<GenerationResult>> generations = new ArrayList<>();
                for (ScoreRequest r : requests) {
                    fs.add(e.submit(r));
                    // generation requests in the same batches
                    generations.add(e.submit(GenerationRequest.of("The little dog", SamplingParams.GREEDY.withMaxTokens(30))));
                }
                // the same contexts again: with the cache their prefixes are shared, not computed
                for (ScoreRequest r : requests) {
                    fs.add(e.submit(r));
                }
                List<OptionScore> scores = new ArrayList<>();
                for (CompletableFuture<ScoreResult> f : fs) {
                    scores.add(f.join().options().get(0));
                }
                runs.add(scores);
                generations.forEach(CompletableFuture::join);
                EngineTest.awaitIdle(e); // the engine thread frees blocks right after completing the last future
                if (o.prefixCacheSlots() > 0) {
                    assertTrue(e.stats().reusedPromptTokens() > 0, "the prefix cache was used");
                }
                assertEquals(e.stats().cachedBlocks() * e.kvCache().blockBytes(), e.stats().kvBytesInUse(),
                        "only the prefix cache holds blocks once every request is done");
            }
        }
        for (List<OptionScore> run : runs) {
            for (int i = 0; i < run.size(); i++) {
                assertArrayEquals(runs.get(0).get(i).tokenLogprobs(), run.get(i).tokenLogprobs(), "request " + i);
                assertEquals(Double.doubleToLongBits(runs.get(0).get(i).logprob()), Double.doubleToLongBits(run.get(i).logprob()));
            }
        }
    }

    @Test
    void choosePicksTheOptionTheGreedyContinuationStartsWith() {
        String[] prompts = {"Once upon a time, there was a little", "Lily and Ben went to the park. They", "Once upon a time",
            "The little dog", "One day, a girl named Mia found a shiny"};
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(4).withThreads(2))) {
            for (String prompt : prompts) {
                // the right option is how greedy decoding goes on (its first three tokens); the others are not
                GenerationResult greedy = e.generate(GenerationRequest.of(prompt, SamplingParams.GREEDY.withMaxTokens(3)));
                List<String> options = List.of(" purple spoon sang", greedy.text(), " xylophone quietly");
                ScoreResult r = e.score(Scoring.request(m.tokenizer(), prompt, options));
                assertEquals(1, r.best(), "choose among " + options + " after '" + prompt + "'");
                assertTrue(r.options().get(1).greedy());
                double sum = 0;
                for (double p : r.probabilities()) {
                    sum += p;
                }
                assertEquals(1.0, sum, 1e-12);
            }
        }
    }

    @Test
    void lmEvalSplitOfContextAndContinuation() {
        int[][] a = Scoring.encodePair(m.tokenizer(), "Once upon a time ", "there was");
        int[][] b = Scoring.encodePair(m.tokenizer(), "Once upon a time", " there was");
        assertArrayEquals(a[0], b[0], "trailing spaces of the context move to the continuation");
        assertArrayEquals(a[1], b[1]);
        assertEquals(1, a[0][0], "BOS first");
        int[][] empty = Scoring.encodePair(m.tokenizer(), "", "Once upon a time");
        assertArrayEquals(new int[] {1}, empty[0]);
        assertArrayEquals(java.util.Arrays.copyOfRange(m.tokenizer().encode("Once upon a time", true, false), 1, 5), empty[1]);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Scoring.request(m.tokenizer(), "Once", List.of("")));
        assertTrue(e.getMessage().contains("no tokens"));
    }

    @Test
    void badScoreRequestsGiveErrorResults() {
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(2).withThreads(1).withContextLength(64))) {
            int[] longContinuation = new int[100];
            java.util.Arrays.fill(longContinuation, 300);
            ScoreResult r = e.score(new ScoreRequest(new int[] {1, 403}, List.of(longContinuation)));
            assertTrue(r.error().contains("more than the context"), r.error());
            r = e.score(new ScoreRequest(new int[] {1, 9999}, List.of(new int[] {5})));
            assertTrue(r.error().contains("9999"), r.error());
        }
    }

    @Test
    void prefixCacheLeavesGenerationUnchanged() {
        String instruction = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ";
        List<GenerationRequest> requests = new ArrayList<>();
        for (String tail : new String[] {"One day", "Her mom said", "The dog", "It was sunny", "Ben came"}) {
            requests.add(GenerationRequest.of(instruction + tail, new SamplingParams(0.8f, 0, 0.9f, tail.length(), 24, List.of())));
        }
        List<GenerationResult> plain = new ArrayList<>(), cached = new ArrayList<>();
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(2).withThreads(2))) {
            requests.forEach(r -> plain.add(e.generate(r)));
        }
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(2).withThreads(2).withPrefixCacheSlots(2))) {
            requests.forEach(r -> cached.add(e.generate(r)));
            assertTrue(e.stats().reusedPromptTokens() >= 4 * 20, "reused " + e.stats().reusedPromptTokens());
        }
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(plain.get(i).tokens(), cached.get(i).tokens(), "request " + i);
        }
    }
}
