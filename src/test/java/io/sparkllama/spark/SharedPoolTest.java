package io.sparkllama.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference counting under EngineRegistry, with plain values. */
@Timeout(20)
class SharedPoolTest {
    private final List<String> closed = new CopyOnWriteArrayList<>();
    private final AtomicInteger builds = new AtomicInteger();
    private final AtomicLong idleMillis = new AtomicLong();
    private final SharedPool<String, String> pool = new SharedPool<>(closed::add, idleMillis::get);

    private String build(String key) {
        return key + "#" + builds.incrementAndGet();
    }

    /** A load that takes long enough for the other callers to arrive while it runs. */
    private static void slowLoad() throws IOException {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Test
    void callersThatArriveTogetherBuildTheValueOnce() throws Exception {
        int callers = 6;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<Future<String>> got = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                got.add(threads.submit(() -> {
                    start.await();
                    return pool.retain("m").get(() -> {
                        slowLoad();
                        return build("m");
                    });
                }));
            }
            start.countDown();
            for (Future<String> f : got) {
                assertEquals("m#1", f.get());
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, builds.get());
        assertEquals(callers, pool.refs("m"));
    }

    @Test
    void aFailedBuildIsTriedAgainByTheNextCaller() throws Exception {
        SharedPool.Ref<String> first = pool.retain("m");
        assertThrows(IOException.class, () -> first.get(() -> {
            throw new IOException("not there yet");
        }));
        first.release();
        assertFalse(pool.holds("m"));
        assertEquals(0, pool.refs("m"));
        assertEquals("m#1", pool.retain("m").get(() -> build("m")));
        assertTrue(closed.isEmpty(), "nothing was built, so nothing is closed");
    }

    @Test
    void withoutIdleTimeTheLastReleaseClosesTheValue() throws Exception {
        SharedPool.Ref<String> a = pool.retain("m");
        SharedPool.Ref<String> b = pool.retain("m");
        assertSame(a.get(() -> build("m")), b.get(() -> build("m")));
        a.release();
        a.release(); // a second release of the same reference counts nothing
        assertTrue(closed.isEmpty(), "still referenced by b");
        b.release();
        assertEquals(List.of("m#1"), closed);
        assertFalse(pool.holds("m"));
        assertEquals("m#2", pool.retain("m").get(() -> build("m")), "built again after it was closed");
    }

    @Test
    void anIdleValueIsClosedAfterTheIdleTimeUnlessTakenAgain() throws Exception {
        idleMillis.set(150);
        SharedPool.Ref<String> a = pool.retain("m");
        a.get(() -> build("m"));
        a.release();
        Thread.sleep(50);
        SharedPool.Ref<String> again = pool.retain("m"); // taken again before its time: stays
        Thread.sleep(300);
        assertTrue(closed.isEmpty());
        assertEquals("m#1", again.get(() -> build("m")));
        again.release();
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (closed.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of("m#1"), closed);
        assertFalse(pool.holds("m"));
    }

    @Test
    void closeIdleClosesOnlyUnreferencedValuesOfTheKeysAsked() throws Exception {
        idleMillis.set(60_000);
        SharedPool.Ref<String> a = pool.retain("a");
        a.get(() -> build("a"));
        SharedPool.Ref<String> b = pool.retain("b");
        b.get(() -> build("b"));
        SharedPool.Ref<String> c = pool.retain("c");
        c.get(() -> build("c"));
        a.release();
        b.release();
        assertEquals(1, pool.closeIdle(k -> !k.equals("b"), 0));
        assertEquals(List.of("a#1"), closed);
        assertTrue(pool.holds("b"), "not asked for");
        assertTrue(pool.holds("c"), "still referenced");
        assertEquals(0, pool.closeIdle(k -> true, 60_000), "b has not been idle that long");
        assertEquals(1, pool.closeIdle(k -> true, 0));
        assertEquals(List.of("a#1", "b#2"), closed);
    }
}
