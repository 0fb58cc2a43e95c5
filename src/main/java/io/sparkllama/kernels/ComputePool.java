package io.sparkllama.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The compute threads of one engine. {@link #run} hands out task indices to the calling thread
 * and {@code threads - 1} workers until all are done. Workers spin briefly between jobs (a
 * forward pass posts hundreds of short jobs, and waking a parked thread costs tens of
 * microseconds) and then park, so an idle pool costs no CPU.
 *
 * <p>Which thread runs which task never affects results: every task writes its own outputs.
 */
public final class ComputePool implements AutoCloseable {
    private static final int SPIN_ITERATIONS = 1 << 14;

    private final int threads;
    private final Thread[] workers;
    private volatile Job job;
    private volatile boolean closed;

    private static final class Job {
        final int tasks;
        final IntConsumer body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        volatile Throwable failure;

        Job(int tasks, IntConsumer body) {
            this.tasks = tasks;
            this.body = body;
        }

        /** Runs tasks until none is left to claim. */
        void work() {
            int i;
            while ((i = next.getAndIncrement()) < tasks) {
                try {
                    if (failure == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    finished.incrementAndGet();
                }
            }
        }
    }

    /** Starts a pool of {@code threads} threads in total, the caller of {@link #run} included. */
    public ComputePool(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, is " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i < tasks} and returns when all have finished,
     * rethrowing the first failure. Calls are serialised; a task must not call {@code run}.
     */
    public synchronized void run(int tasks, IntConsumer body) {
        if (closed) {
            throw new IllegalStateException("compute pool is closed");
        }
        if (tasks <= 0) {
            return;
        }
        if (threads == 1 || tasks == 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        Job j = new Job(tasks, body);
        job = j;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        j.work();
        while (j.finished.get() < tasks) {
            Thread.onSpinWait();
        }
        job = null;
        Throwable failure = j.failure;
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new RuntimeException(failure);
        }
    }

    private void workerLoop() {
        Job last = null;
        while (!closed) {
            Job j = job;
            if (j != null && j != last) {
                last = j;
                j.work();
                continue;
            }
            int spins = 0;
            while ((j = job) == null || j == last) {
                if (closed) {
                    return;
                }
                if (++spins < SPIN_ITERATIONS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
