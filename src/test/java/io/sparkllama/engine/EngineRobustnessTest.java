package io.sparkllama.engine;

import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine never hangs or leaks: whatever goes wrong (a request that cannot be admitted, the
 * engine thread dying, a listener that throws, a caller that gives up, closing mid-step), every
 * future completes, and every KV block goes back to the pool.
 */
@Timeout(60)
class EngineRobustnessTest {
    private static LoadedModel m;

    @BeforeAll
    static void load() throws Exception {
        m = ModelLoader.load(Shared.model("stories260K.gguf"), null);
    }

    private static Engine engine(int sequences) {
        return new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(sequences).withThreads(2).withContextLength(512)
                .withKvBlockSize(16));
    }

    private static GenerationRequest longRequest(int seed) {
        return GenerationRequest.ofTokens(new int[] {1, 300, 301, 302}, new SamplingParams(1f, 0, 1f, seed, 400, List.of()));
    }

    /** A task that behaves like a tiny generation request until told to fail somewhere. */
    private static class TestTask extends EngineTask {
        final CompletableFuture<String> future = new CompletableFuture<>();
        int blocksNeededCalls;
        int fed;
        boolean done;

        TestTask() {
            super(new int[] {1, 300, 301});
        }

        @Override
        int blocksNeeded(int blockSize, int slots) {
            blocksNeededCalls++;
            return 1;
        }

        @Override
        void promptDone(float[] logits, int offset, Sampler sampler) {
            done = true;
        }

        @Override
        void plan(Planner planner) {
        }

        @Override
        void onLogits(int tag, float[] logits, int offset, Sampler sampler) {
        }

        @Override
        boolean finished() {
            return done;
        }

        @Override
        void complete() {
            future.complete("done");
        }

        @Override
        void abort(EngineFailureException failure) {
            future.completeExceptionally(failure);
        }

        @Override
        boolean abandoned() {
            return future.isDone();
        }

        @Override
        int outputTokens() {
            return 0;
        }
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        CompletionException x = assertThrows(CompletionException.class, f::join);
        return x.getCause();
    }

    @Test
    void aRequestWhoseAdmissionThrowsFailsAloneAndFreesWhatItTook() {
        try (Engine e = engine(4)) {
            TestTask bad = new TestTask() {
                @Override
                int blocksNeeded(int blockSize, int slots) {
                    if (++blocksNeededCalls > 1) { // the size check on submit passes; admission throws
                        throw new IllegalStateException("admission broke");
                    }
                    return 1;
                }
            };
            e.enqueue(bad);
            Throwable cause = failureOf(bad.future);
            assertTrue(cause instanceof EngineFailureException && cause.getMessage().contains("admission broke"), cause.toString());
            GenerationResult ok = e.generate(GenerationRequest.of("Once upon a time", SamplingParams.GREEDY.withMaxTokens(10)));
            assertNull(ok.error());
            EngineTest.awaitIdle(e);
            assertEquals(0, e.stats().kvBytesInUse());
            assertEquals(0, e.kvCache().blocks().inUse());
        }
    }

    @Test
    void aDeadEngineThreadFailsEveryPendingAndFutureRequest() {
        try (Engine e = engine(4)) {
            CompletableFuture<GenerationResult> running = e.submit(longRequest(1));
            TestTask killer = new TestTask() {
                @Override
                void promptDone(float[] logits, int offset, Sampler sampler) {
                    throw new IllegalStateException("step fails");
                }

                @Override
                void abort(EngineFailureException failure) {
                    throw new AssertionError("and even aborting fails: the engine thread dies");
                }
            };
            e.enqueue(killer);
            Throwable cause = failureOf(running);
            assertTrue(cause instanceof EngineFailureException, cause.toString());
            Throwable later = failureOf(e.submit(longRequest(2)));
            assertTrue(later instanceof EngineFailureException && later.getMessage().contains("engine thread died"),
                    later.toString());
            assertFalse(killer.future.isDone(), "its own abort threw; nothing else is left waiting");
        }
    }

    @Test
    void aListenerThatThrowsFailsItsRequestOnly() {
        try (Engine e = engine(4)) {
            RuntimeException boom = new RuntimeException("listener broke");
            CompletableFuture<GenerationResult> bad = e.submit(longRequest(3).withListener(text -> {
                throw boom;
            }));
            CompletableFuture<GenerationResult> good = e.submit(GenerationRequest.ofTokens(new int[] {1, 300, 301, 302},
                    new SamplingParams(1f, 0, 1f, 4, 60, List.of())).withListener(text -> { }));
            assertSame(boom, failureOf(bad));
            assertNull(good.join().error());
            EngineTest.awaitIdle(e);
            assertEquals(1, e.stats().abandoned());
            assertEquals(0, e.kvCache().blocks().inUse());
        }
    }

    @Test
    void aCancelledRequestIsDroppedAndItsBlocksFreedWithinAStep() throws Exception {
        try (Engine e = engine(2)) {
            CountDownLatch streaming = new CountDownLatch(1);
            CompletableFuture<GenerationResult> f = e.submit(longRequest(5).withListener(text -> streaming.countDown()));
            List<CompletableFuture<GenerationResult>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(e.submit(longRequest(10 + i)));
            }
            assertTrue(streaming.await(30, TimeUnit.SECONDS));
            assertTrue(f.cancel(true));
            waiting.forEach(w -> w.cancel(true)); // queued, never admitted
            EngineTest.awaitIdle(e);
            assertEquals(5, e.stats().abandoned());
            assertEquals(0, e.kvCache().blocks().inUse(), "cancelled requests hold no block");
            assertNull(e.generate(GenerationRequest.of("Once upon a time", SamplingParams.GREEDY.withMaxTokens(5))).error());
        }
    }

    @Test
    void closeDuringAStepWaitsForItAndCompletesEveryFuture() throws Exception {
        Engine e = engine(8);
        List<CompletableFuture<GenerationResult>> fs = new ArrayList<>();
        CountDownLatch streaming = new CountDownLatch(1);
        for (int i = 0; i < 16; i++) {
            fs.add(e.submit(longRequest(20 + i).withListener(text -> streaming.countDown())));
        }
        assertTrue(streaming.await(30, TimeUnit.SECONDS));
        e.close();
        for (CompletableFuture<GenerationResult> f : fs) {
            assertTrue(f.isDone(), "close() returns after every future completed");
            if (f.isCompletedExceptionally()) {
                assertTrue(failureOf(f) instanceof EngineFailureException);
            }
        }
        Throwable after = failureOf(e.submit(longRequest(99)));
        assertTrue(after.getMessage().contains("closed"), after.toString());
    }
}
