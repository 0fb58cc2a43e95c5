package io.sparkllama.engine;

import io.sparkllama.model.KvCache;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class EngineTest {
    private static LoadedModel m;
    private static List<Map<String, Object>> refs;

    @BeforeAll
    static void load() throws Exception {
        m = ModelLoader.load(Shared.model("stories260K.gguf"), null);
        refs = Shared.jsonl(Shared.reference("stories260K_greedy.jsonl"));
    }

    private static Engine engine(int sequences, int threads) {
        return new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(sequences).withThreads(threads).withPrefillChunk(16));
    }

    @Test
    void fiveGreedyReferencesTogether() {
        try (Engine e = engine(5, 2)) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Map<String, Object> ref : refs) {
                int[] prompt = Shared.ints(ref.get("prompt_tokens"));
                int max = ((Number) ref.get("steps")).intValue() - prompt.length + 1;
                futures.add(e.submit(GenerationRequest.of((String) ref.get("prompt"), SamplingParams.GREEDY.withMaxTokens(max))));
            }
            for (int i = 0; i < refs.size(); i++) {
                GenerationResult r = futures.get(i).join();
                Map<String, Object> ref = refs.get(i);
                assertArrayEquals(Shared.ints(ref.get("generated_tokens")), r.tokens(), "reference " + i);
                assertEquals(ref.get("text"), m.tokenizer().decodeText(Shared.ints(ref.get("prompt_tokens"))) + r.text());
                assertEquals("bos".equals(ref.get("stop")) ? FinishReason.STOP : FinishReason.LENGTH, r.finishReason());
            }
        }
    }

    private static List<GenerationRequest> sampledRequests(int n) {
        List<GenerationRequest> out = new ArrayList<>();
        String[] starts = {"Once upon a time", "The little dog", "Lily and Ben", "One day", "Tom had a"};
        for (int i = 0; i < n; i++) {
            SamplingParams p = new SamplingParams(0.8f, i % 3 == 0 ? 40 : 0, i % 2 == 0 ? 0.9f : 1f, 1000 + i, 40 + i, List.of());
            out.add(GenerationRequest.of(starts[i % starts.length] + (i >= starts.length ? " " + i : ""), p));
        }
        return out;
    }

    private static List<GenerationResult> runAll(Engine e, List<GenerationRequest> requests) {
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (GenerationRequest r : requests) {
            futures.add(e.submit(r));
        }
        List<GenerationResult> out = new ArrayList<>();
        for (CompletableFuture<GenerationResult> f : futures) {
            out.add(f.join());
        }
        return out;
    }

    @Test
    void f16KvCacheKeepsTheGreedyReferences() {
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(5).withThreads(2).withKvType(KvCache.Type.F16))) {
            List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
            for (Map<String, Object> ref : refs) {
                int[] prompt = Shared.ints(ref.get("prompt_tokens"));
                int max = ((Number) ref.get("steps")).intValue() - prompt.length + 1;
                futures.add(e.submit(GenerationRequest.ofTokens(prompt, SamplingParams.GREEDY.withMaxTokens(max))));
            }
            int identical = 0;
            for (int i = 0; i < refs.size(); i++) {
                int[] want = Shared.ints(refs.get(i).get("generated_tokens"));
                int[] got = futures.get(i).join().tokens();
                int same = 0;
                while (same < Math.min(want.length, got.length) && want[same] == got[same]) {
                    same++;
                }
                assertTrue(same >= 100, "reference " + i + " agrees for only " + same + " tokens with an F16 cache");
                identical += java.util.Arrays.equals(want, got) ? 1 : 0;
            }
            assertTrue(identical >= 3, identical + " of 5 references identical with an F16 cache");
        }
    }

    @Test
    void sampledOutputsAreTheSameAloneAndInABatchOf16() {
        List<GenerationRequest> requests = sampledRequests(20);
        List<GenerationResult> alone, batched, otherThreads;
        try (Engine e = engine(1, 1)) {
            alone = runAll(e, requests);
        }
        try (Engine e = engine(16, 2)) {
            batched = runAll(e, requests);
        }
        try (Engine e = engine(3, 1)) {
            otherThreads = runAll(e, requests);
        }
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(alone.get(i).tokens(), batched.get(i).tokens(), "request " + i + " alone vs batch 16");
            assertArrayEquals(alone.get(i).tokens(), otherThreads.get(i).tokens(), "request " + i + " alone vs batch 3");
            assertEquals(alone.get(i).text(), batched.get(i).text());
            assertTrue(alone.get(i).completionTokens() > 0);
        }
        // different seeds give different stories
        assertFalse(java.util.Arrays.equals(alone.get(0).tokens(), alone.get(5).tokens()));
    }

    @Test
    void manyThreadsSubmittingAtOnce() throws Exception {
        List<GenerationRequest> requests = sampledRequests(24);
        List<GenerationResult> sequential;
        try (Engine e = engine(4, 2)) {
            sequential = runAll(e, requests);
        }
        Map<Integer, GenerationResult> concurrent = new ConcurrentHashMap<>();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (Engine e = engine(8, 2)) {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                int k = i;
                done.add(callers.submit(() -> concurrent.put(k, e.generate(requests.get(k)))));
            }
            for (var f : done) {
                f.get();
            }
        } finally {
            callers.shutdown();
        }
        for (int i = 0; i < requests.size(); i++) {
            assertArrayEquals(sequential.get(i).tokens(), concurrent.get(i).tokens(), "request " + i);
        }
    }

    @Test
    void overLongPromptFailsAloneAmongValidOnes() {
        StringBuilder longText = new StringBuilder();
        while (longText.length() < 4000) {
            longText.append("Once upon a time there was a dog. ");
        }
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(4).withContextLength(256).withThreads(2))) {
            List<GenerationRequest> requests = new ArrayList<>(sampledRequests(6));
            requests.add(3, GenerationRequest.of(longText.toString(), SamplingParams.GREEDY));
            List<GenerationResult> results = runAll(e, requests);
            GenerationResult bad = results.get(3);
            assertEquals(FinishReason.ERROR, bad.finishReason());
            assertTrue(bad.error().contains("more than the context of 256"), bad.error());
            List<GenerationResult> valid = new ArrayList<>(results);
            valid.remove(3);
            List<GenerationResult> expected;
            try (Engine solo = engine(1, 1)) {
                expected = runAll(solo, sampledRequests(6));
            }
            for (int i = 0; i < 6; i++) {
                assertNull(valid.get(i).error());
                assertArrayEquals(expected.get(i).tokens(), valid.get(i).tokens(), "request " + i);
            }
            // asked for, the long prompt is cut from the left and runs
            GenerationResult cut = e.generate(GenerationRequest.of(longText.toString(), SamplingParams.GREEDY.withMaxTokens(20))
                    .withTruncateLeft(true));
            assertNull(cut.error());
            assertEquals(256 - 20, cut.promptTokens());
            assertEquals(20, cut.completionTokens());
        }
    }

    @Test
    void overBudgetKvCacheFailsBeforeAllocatingWithTheNumbers() {
        // 1,000,000 slots x 512 positions x 32 x 5 layers x 2 x 4 bytes = 655 GB: allocating would throw OutOfMemoryError
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(1_000_000).withContextLength(512)));
        assertTrue(e.getMessage().contains("655,360,000,000 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("heap available"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(64).withContextLength(512).withKvBudgetBytes(1 << 20)));
        assertTrue(e.getMessage().contains("5 layers x 64 slots x 512 positions x 32 kv_dim x 2 x 4 bytes = 41,943,040 bytes"),
                e.getMessage());
        assertTrue(e.getMessage().contains("budget of 1,048,576 bytes"), e.getMessage());
        // the same with an F16 cache takes half
        e = assertThrows(IllegalArgumentException.class, () -> new Engine(m,
                EngineOptions.DEFAULTS.withMaxSequences(64).withContextLength(512).withKvType(KvCache.Type.F16).withKvBudgetBytes(1 << 20)));
        assertTrue(e.getMessage().contains("= 20,971,520 bytes"), e.getMessage());
    }

    @Test
    void stopStringsStreamingAndMaxTokens() {
        try (Engine e = engine(2, 2)) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult full = e.generate(GenerationRequest.of("Once upon a time", SamplingParams.GREEDY.withMaxTokens(60))
                    .withListener(streamed::append));
            assertEquals(full.text(), streamed.toString());
            assertEquals(60, full.completionTokens());
            assertEquals(FinishReason.LENGTH, full.finishReason());
            int lily = full.text().indexOf("Lily");
            StringBuilder streamedStop = new StringBuilder();
            GenerationResult stopped = e.generate(GenerationRequest.of("Once upon a time",
                    SamplingParams.GREEDY.withMaxTokens(60).withStop(List.of("Lily", "zebra"))).withListener(streamedStop::append));
            assertEquals(FinishReason.STOP, stopped.finishReason());
            assertEquals(full.text().substring(0, lily), stopped.text());
            assertEquals(stopped.text(), streamedStop.toString(), "text of a stop string is never streamed");
            GenerationResult none = e.generate(GenerationRequest.of("Once upon a time", SamplingParams.GREEDY.withMaxTokens(0)));
            assertEquals(0, none.completionTokens());
            assertEquals(FinishReason.LENGTH, none.finishReason());
            assertEquals(5, none.promptTokens());
        }
    }

    @Test
    void badRequestsGiveErrorResults() {
        try (Engine e = engine(2, 1)) {
            GenerationResult r = e.generate(GenerationRequest.of("bad \uD800 text", SamplingParams.GREEDY));
            assertEquals(FinishReason.ERROR, r.finishReason());
            assertTrue(r.error().contains("unpaired"), r.error());
            r = e.generate(GenerationRequest.ofTokens(new int[] {1, 999}, SamplingParams.GREEDY));
            assertTrue(r.error().contains("token id 999"), r.error());
            r = e.generate(GenerationRequest.ofTokens(new int[0], SamplingParams.GREEDY));
            assertTrue(r.error().contains("no tokens"), r.error());
        }
    }

    @Test
    void closingTheEngineFailsUnfinishedRequestsExceptionallyNotWithErrorResults() {
        Engine e = engine(2, 1);
        List<CompletableFuture<GenerationResult>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(e.submit(GenerationRequest.of("Once upon a time " + i, SamplingParams.GREEDY.withMaxTokens(400))));
        }
        e.close();
        int aborted = 0;
        for (CompletableFuture<GenerationResult> f : futures) {
            try {
                assertTrue(f.join().error() == null, "a finished request has its result");
            } catch (java.util.concurrent.CompletionException x) {
                assertTrue(x.getCause() instanceof EngineFailureException, x.toString());
                aborted++;
            }
        }
        assertTrue(aborted > 0, "requests still running or waiting when the engine closed are aborted");
        java.util.concurrent.CompletionException x = assertThrows(java.util.concurrent.CompletionException.class,
                () -> e.submit(GenerationRequest.of("x", SamplingParams.GREEDY)).join());
        assertTrue(x.getCause() instanceof EngineFailureException && x.getCause().getMessage().contains("closed"));
    }

    @Test
    void anEngineThatCannotFitTheHeapIsRefusedBeforeLoadingWithTheNumbers() throws Exception {
        java.nio.file.Path model = Shared.model("stories260K.gguf");
        long perSlot = KvCache.bytesNeeded(m.config(), 1, 512, KvCache.Type.F32);
        int slots = (int) (Runtime.getRuntime().maxMemory() / perSlot) + 1;
        EngineOptions huge = EngineOptions.DEFAULTS.withMaxSequences(slots).withContextLength(512);
        MemoryBudget.Need need = MemoryBudget.need(model, huge);
        assertTrue(need.weightBytes() > 900_000 && need.weightBytes() < 1_200_000, "260K F32 parameters: " + need.weightBytes());
        assertEquals((long) slots * perSlot, need.kvBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.checkBeforeLoading(model, huge));
        assertTrue(e.getMessage().startsWith("stories260K.gguf: weights "), e.getMessage());
        assertTrue(e.getMessage().contains(String.format(java.util.Locale.ROOT, "%,d MB (%d slots x 512 positions, f32)",
                (need.kvBytes() + (1 << 20) - 1) >> 20, slots)), e.getMessage());
        assertTrue(e.getMessage().contains("MB of heap available (max heap"), e.getMessage());
        MemoryBudget.checkBeforeLoading(model, EngineOptions.DEFAULTS); // the defaults fit
    }

    @Test
    void truncateLeftKeepsBosAndTheEnd() {
        assertArrayEquals(new int[] {1, 8, 9}, Engine.truncateLeft(new int[] {1, 5, 6, 7, 8, 9}, 3, 1));
        assertArrayEquals(new int[] {7, 8, 9}, Engine.truncateLeft(new int[] {5, 6, 7, 8, 9}, 3, 1));
        assertArrayEquals(new int[] {1, 2}, Engine.truncateLeft(new int[] {1, 2}, 3, 1));
    }
}
