package io.sparkllama.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Values shared by key and counted by reference: each value is built once however many callers
 * ask for it together (the others wait), a failed build is tried again by the next caller, and a
 * value nobody references any more is closed, either at once (idle timeout 0) or once it has
 * been idle for the idle timeout, or earlier by {@link #closeIdle}.
 *
 * @param <K> the key
 * @param <V> the value
 */
final class SharedPool<K, V> {
    /** Builds a value; runs once per value, holding only that value's lock. */
    interface Factory<V> {
        V create() throws IOException;
    }

    /** Frees a value nobody references any more. */
    interface Closer<V> {
        void close(V value);
    }

    /** The pool's count of references to one value; {@link #release} gives it back, once. */
    static final class Ref<V> {
        private final SharedPool<?, V> pool;
        private final Slot<V> slot;
        private final AtomicBoolean released = new AtomicBoolean();

        private Ref(SharedPool<?, V> pool, Slot<V> slot) {
            this.pool = pool;
            this.slot = slot;
        }

        /** The value, built by {@code factory} unless it already is (or is being built: then this waits for it). */
        V get(Factory<V> factory) throws IOException {
            synchronized (slot) {
                if (slot.value == null) {
                    slot.value = factory.create();
                }
                return slot.value;
            }
        }

        /** Gives the reference back; later calls do nothing. */
        void release() {
            if (released.compareAndSet(false, true)) {
                pool.release(slot);
            }
        }
    }

    private static final class Slot<V> {
        final Object key;
        /** Written under the slot's monitor; read under the pool's only when no reference holds the slot. */
        volatile V value;
        int refs;
        long idleSince;
        ScheduledFuture<?> idleCheck;

        Slot(Object key) {
            this.key = key;
        }
    }

    private static final ScheduledExecutorService REAPER = reaper();

    private final Map<K, Slot<V>> slots = new HashMap<>();
    private final Closer<V> closer;
    private final LongSupplier idleTimeoutMillis;

    /**
     * @param closer            frees values nobody references
     * @param idleTimeoutMillis how long an unreferenced value is kept (read at each release); 0 closes it at once
     */
    SharedPool(Closer<V> closer, LongSupplier idleTimeoutMillis) {
        this.closer = closer;
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    /** Counts a reference to {@code key}'s value (which {@link Ref#get} then builds if needed). */
    synchronized Ref<V> retain(K key) {
        Slot<V> s = slots.computeIfAbsent(key, Slot::new);
        s.refs++;
        if (s.idleCheck != null) {
            s.idleCheck.cancel(false);
            s.idleCheck = null;
        }
        return new Ref<>(this, s);
    }

    /** Whether {@code key} has a built value that has not been closed. */
    synchronized boolean holds(K key) {
        Slot<V> s = slots.get(key);
        return s != null && s.value != null;
    }

    /** The built value of {@code key}, or null; for inspection only (it may be closed once unreferenced). */
    synchronized V peek(K key) {
        Slot<V> s = slots.get(key);
        return s == null ? null : s.value;
    }

    /** References held to {@code key}'s value. */
    synchronized int refs(K key) {
        Slot<V> s = slots.get(key);
        return s == null ? 0 : s.refs;
    }

    /**
     * Closes every unreferenced value whose key matches and that has been idle at least
     * {@code minIdleMillis}; returns how many were closed.
     */
    int closeIdle(Predicate<K> which, long minIdleMillis) {
        List<V> closing = new ArrayList<>();
        long now = System.nanoTime();
        synchronized (this) {
            var it = slots.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                Slot<V> s = e.getValue();
                if (s.refs == 0 && s.value != null && which.test(e.getKey())
                        && now - s.idleSince >= TimeUnit.MILLISECONDS.toNanos(minIdleMillis)) {
                    it.remove();
                    closing.add(s.value);
                }
            }
        }
        closing.forEach(closer::close); // outside the lock: closing an engine waits for its thread
        return closing.size();
    }

    private void release(Slot<V> s) {
        V close = null;
        synchronized (this) {
            if (--s.refs > 0) {
                return;
            }
            long timeout = idleTimeoutMillis.getAsLong();
            if (s.value == null || timeout <= 0) {
                // a failed build leaves nothing to keep; a value without idle time goes at once
                slots.remove(s.key, s);
                close = s.value;
            } else {
                s.idleSince = System.nanoTime();
                @SuppressWarnings("unchecked") K key = (K) s.key;
                s.idleCheck = REAPER.schedule(() -> closeIdle(k -> k.equals(key), timeout), timeout, TimeUnit.MILLISECONDS);
            }
        }
        if (close != null) {
            closer.close(close);
        }
    }

    private static ScheduledExecutorService reaper() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "spark-llama-idle-engines");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true); // re-leased engines cancel their checks; keep the queue small
        return e;
    }
}
