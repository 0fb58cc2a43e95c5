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
    void theSequenceCountIsACapNotAMemoryDecision() {
        // sequences x 512 positions x 1,280 bytes: more than the heap; the paged cache takes a share of what is free
        int sequences = (int) (Runtime.getRuntime().maxMemory() / (512 * 1280)) + 1;
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(sequences).withContextLength(512).withThreads(1))) {
            long reserved = e.stats().kvBytesReserved();
            assertTrue(reserved <= MemoryBudget.DEFAULT_KV_HEAP_SHARE * Runtime.getRuntime().maxMemory(), "" + reserved);
            assertTrue(reserved < (long) sequences * 512 * 1280, "" + reserved);
            assertEquals(0, reserved % (32 * 1280), "whole blocks of 32 positions x 5 layers x 32 kv_dim x 2 x 4 bytes");
            assertEquals(FinishReason.LENGTH, e.generate(GenerationRequest.of("Once upon a time",
                    SamplingParams.GREEDY.withMaxTokens(8))).finishReason());
            assertEquals(0, e.stats().kvBytesInUse(), "a finished sequence gives its blocks back");
        }
    }

    @Test
    void kvMemoryThatCannotHoldOneSequenceFailsWithTheNumbers() {
        // 512 KiB holds 12 blocks of 32 positions (40,960 bytes each); one sequence of the context of 512 needs 16
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Engine(m, EngineOptions.DEFAULTS.withContextLength(512).withKvBudgetBytes(1 << 19)));
        assertTrue(e.getMessage().contains("holds 384 positions of 5 layers x 32 kv_dim x f32"), e.getMessage());
        assertTrue(e.getMessage().contains("one sequence of the context of 512 needs 1 MB"), e.getMessage());
        // the same memory in F16 holds 25 blocks: enough
        try (Engine f16 = new Engine(m, EngineOptions.DEFAULTS.withContextLength(512).withKvType(KvCache.Type.F16)
                .withKvBudgetBytes(1 << 19).withThreads(1))) {
            assertEquals(25 * 32 * 640L, f16.stats().kvBytesReserved());
        }
        long tooMuch = Runtime.getRuntime().maxMemory() + 1;
        e = assertThrows(IllegalArgumentException.class, () -> new Engine(m, EngineOptions.DEFAULTS.withKvBudgetBytes(tooMuch)));
        assertTrue(e.getMessage().contains("does not fit in the"), e.getMessage());
    }

    @Test
    void aRequestLargerThanTheWholeKvCacheGetsAnErrorResult() {
        // 16 blocks of 32 positions: one sequence of the full context fits, two do not
        try (Engine e = new Engine(m, EngineOptions.DEFAULTS.withContextLength(512).withKvBudgetBytes(16 * 32 * 1280L)
                .withThreads(1))) {
            GenerationResult r = e.generate(GenerationRequest.of("Once upon a time", SamplingParams.GREEDY.withMaxTokens(500)));
            assertNull(r.error(), "16 blocks hold 5 + 499 positions");
            ScoreResult s = e.score(new ScoreRequest(new int[] {1, 2, 3}, List.of(new int[400], new int[400])));
            assertTrue(s.error() != null && s.error().contains("more than the whole KV cache holds (16 blocks"), s.error());
        }
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
        long perSequence = 16 * KvCache.blockBytes(m.config(), 32, KvCache.Type.F32); // 512 positions
        int sequences = (int) (Runtime.getRuntime().maxMemory() / perSequence) + 1;
        EngineOptions many = EngineOptions.DEFAULTS.withMaxSequences(sequences).withContextLength(512);
        MemoryBudget.Need need = MemoryBudget.need(model, many);
        assertTrue(need.weightBytes() > 900_000 && need.weightBytes() < 1_200_000, "260K F32 parameters: " + need.weightBytes());
        assertEquals((long) sequences * perSequence, need.kvBytes());
        assertEquals(perSequence, need.kvMinBytes());
        MemoryBudget.checkBeforeLoading(model, many); // more sequences than the heap holds at full context: the cache is paged
        EngineOptions tooMuch = EngineOptions.DEFAULTS.withKvBudgetBytes(Runtime.getRuntime().maxMemory());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.checkBeforeLoading(model, tooMuch));
        assertTrue(e.getMessage().startsWith("stories260K.gguf: weights "), e.getMessage());
        assertTrue(e.getMessage().contains("(configured; 16 sequences x "), e.getMessage());
        assertTrue(e.getMessage().contains("MB of heap available (max heap"), e.getMessage());
        MemoryBudget.checkBeforeLoading(model, EngineOptions.DEFAULTS); // the defaults fit
    }

    @Test
    void truncateLeftKeepsBosAndTheEnd() {
        assertArrayEquals(new int[] {1, 8, 9}, Engine.truncateLeft(new int[] {1, 5, 6, 7, 8, 9}, 3, 1));
        assertArrayEquals(new int[] {7, 8, 9}, Engine.truncateLeft(new int[] {5, 6, 7, 8, 9}, 3, 1));
        assertArrayEquals(new int[] {1, 2}, Engine.truncateLeft(new int[] {1, 2}, 3, 1));
    }

    /** Waits (up to 10 s) until the engine has no active or waiting request. */
    static void awaitIdle(Engine e) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (e.stats().active() > 0 || e.stats().waiting() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("engine still busy: " + e.stats());
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException x) {
                throw new AssertionError(x);
            }
        }
    }
}
