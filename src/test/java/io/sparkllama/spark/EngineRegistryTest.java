package io.sparkllama.spark;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineFailureException;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.model.KvCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Engines and models of one JVM: shared weights, leases, closing idle engines, loading once. */
@Timeout(60)
class EngineRegistryTest {
    private final List<EngineRegistry.Lease> leases = new ArrayList<>();

    @TempDir
    Path dir;

    /** A small engine over stories260K; {@code maxSequences} tells specs apart. */
    private static EngineSpec spec(String model, int maxSequences, String kvType) {
        return new EngineSpec(model, null, maxSequences, 64, kvType, 16, 1, 0, 0, KvCache.DEFAULT_BLOCK_SIZE);
    }

    private static EngineSpec spec(int maxSequences, String kvType) {
        return spec(SparkTests.MODEL, maxSequences, kvType);
    }

    private EngineRegistry.Lease acquire(EngineSpec spec) throws IOException {
        EngineRegistry.Lease l = EngineRegistry.acquire(spec);
        leases.add(l);
        return l;
    }

    @AfterEach
    void releaseAll() {
        leases.forEach(EngineRegistry.Lease::close);
        EngineRegistry.idleTimeout(null);
        EngineRegistry.closeIdle();
    }

    private static GenerationResult generate(Engine engine) throws Exception {
        return engine.submit(GenerationRequest.of("Once upon", SamplingParams.GREEDY.withMaxTokens(4))).get(10, TimeUnit.SECONDS);
    }

    private static void assertClosed(Engine engine) {
        CompletableFuture<GenerationResult> f = engine.submit(GenerationRequest.of("Once", SamplingParams.GREEDY.withMaxTokens(2)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertInstanceOf(EngineFailureException.class, e.getCause(), "a closed engine refuses requests");
    }

    @Test
    void specsThatDifferOnlyInEngineOptionsShareOneCopyOfTheWeights() throws Exception {
        EngineRegistry.closeIdle();
        int models = EngineRegistry.modelLoads(), engines = EngineRegistry.loads();
        Engine a = acquire(spec(3, "f32")).engine();
        Engine b = acquire(new EngineSpec(SparkTests.MODEL, null, 2, 128, "f16", 8, 1, 0, 2, 32)).engine();
        assertNotSame(a, b);
        assertEquals(2, EngineRegistry.loads() - engines, "one engine per spec");
        assertEquals(1, EngineRegistry.modelLoads() - models, "one model for both");
        assertSame(a.model(), b.model());
        assertSame(a.model().model().weights(), b.model().model().weights());
        assertEquals(4, generate(a).completionTokens(), "both run");
        assertEquals(4, generate(b).completionTokens());
    }

    @Test
    void anEngineWithoutLeasesIsClosedWhenAnotherSpecIsLoadedAndItsWeightsStayWhileUsed() throws Exception {
        EngineSpec first = spec(4, "f32"), kept = spec(5, "f32"), other = spec(6, "f16");
        EngineRegistry.Lease l1 = acquire(first);
        Engine e1 = l1.engine();
        Engine e2 = acquire(kept).engine();
        l1.close();
        assertTrue(EngineRegistry.isLoaded(first), "an idle engine is kept until something needs the room");
        int models = EngineRegistry.modelLoads(), engines = EngineRegistry.loads();

        acquire(other);
        assertFalse(EngineRegistry.isLoaded(first), "loading another spec closes the idle engine");
        assertClosed(e1);
        assertTrue(EngineRegistry.isLoaded(kept), "a leased engine is never closed");
        generate(e2);

        Engine again = acquire(first).engine();
        assertNotSame(e1, again, "a closed engine's spec gets a new engine");
        assertEquals(2, EngineRegistry.loads() - engines);
        assertEquals(0, EngineRegistry.modelLoads() - models, "over the weights the other engines still hold");
        assertSame(e2.model(), again.model());
    }

    @Test
    void theLastEngineOverAModelClosingDropsItsWeights() throws Exception {
        EngineSpec s = spec(7, "f32");
        acquire(s).close();
        assertTrue(EngineRegistry.holdsModel(s));
        EngineRegistry.closeIdle();
        assertFalse(EngineRegistry.isLoaded(s));
        assertFalse(EngineRegistry.holdsModel(s), "no engine uses the model: its weights can be collected");
        int models = EngineRegistry.modelLoads();
        acquire(s);
        assertEquals(1, EngineRegistry.modelLoads() - models, "loaded again when needed again");
    }

    @Test
    void anEngineIdleForTheIdleTimeoutIsClosed() throws Exception {
        EngineRegistry.idleTimeout(Duration.ofMillis(150));
        EngineSpec s = spec(8, "f32");
        EngineRegistry.Lease l = acquire(s);
        Engine e = l.engine();
        l.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (EngineRegistry.isLoaded(s) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(EngineRegistry.isLoaded(s));
        assertClosed(e);
        assertFalse(EngineRegistry.holdsModel(s));
    }

    @Test
    void tasksStartingTogetherLoadTheEngineOnce() throws Exception {
        EngineSpec s = spec(9, "f32");
        int engines = EngineRegistry.loads();
        int tasks = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(tasks);
        List<Future<EngineRegistry.Lease>> got = new ArrayList<>();
        try {
            for (int i = 0; i < tasks; i++) {
                got.add(threads.submit(() -> {
                    start.await();
                    return EngineRegistry.acquire(s);
                }));
            }
            start.countDown();
            for (Future<EngineRegistry.Lease> f : got) {
                leases.add(f.get());
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, EngineRegistry.loads() - engines);
        for (EngineRegistry.Lease l : leases) {
            assertSame(leases.get(0).engine(), l.engine());
        }
        assertEquals(tasks, EngineRegistry.leases(s));
        leases.forEach(EngineRegistry.Lease::close);
        assertEquals(0, EngineRegistry.leases(s));
    }

    @Test
    void aFailedLoadIsTriedAgainByTheNextCaller() throws Exception {
        Path model = dir.resolve("late.gguf");
        EngineSpec s = spec(model.toString(), 2, "f32");
        assertThrows(IOException.class, () -> EngineRegistry.acquire(s));
        assertFalse(EngineRegistry.isLoaded(s));
        assertEquals(0, EngineRegistry.leases(s), "a failed load keeps no lease");
        Files.copy(Path.of(SparkTests.MODEL), model);
        generate(acquire(s).engine());
    }
}
