package io.sparkllama.cli;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.function.DoubleSupplier;
import java.util.function.IntConsumer;

/**
 * The loops {@code machine} times, and how it times them. Following the project's JIT rule,
 * no vector crosses a method of ours: each loop is written out whole, and only floats go in and
 * out, so C2 keeps every vector in a register.
 */
final class MachineProbe {
    private static final VectorSpecies<Float> PREFERRED = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;

    /**
     * Independent FMA chains per loop. A core needs latency x issue width of them in flight
     * (4 cycles x 2 FMA pipes on Zen 3/4 and recent Intel cores), and 12 chains plus two
     * operands still fit AVX2's 16 registers.
     */
    static final int CHAINS = 12;

    /** Every loop's result is added here so the JIT cannot drop the loop. */
    static volatile float sink;

    private MachineProbe() {
    }

    /**
     * Sum of {@code a[from, to)} with eight vector accumulators, so that the loads, not the
     * latency of the adds, bound it: its speed is the read bandwidth of wherever {@code a} lives.
     */
    static float sum(float[] a, int from, int to) {
        int step = PREFERRED.length();
        FloatVector s0 = FloatVector.zero(PREFERRED), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        int i = from;
        for (int last = to - 8 * step; i <= last; i += 8 * step) {
            s0 = s0.add(FloatVector.fromArray(PREFERRED, a, i));
            s1 = s1.add(FloatVector.fromArray(PREFERRED, a, i + step));
            s2 = s2.add(FloatVector.fromArray(PREFERRED, a, i + 2 * step));
            s3 = s3.add(FloatVector.fromArray(PREFERRED, a, i + 3 * step));
            s4 = s4.add(FloatVector.fromArray(PREFERRED, a, i + 4 * step));
            s5 = s5.add(FloatVector.fromArray(PREFERRED, a, i + 5 * step));
            s6 = s6.add(FloatVector.fromArray(PREFERRED, a, i + 6 * step));
            s7 = s7.add(FloatVector.fromArray(PREFERRED, a, i + 7 * step));
        }
        float total = s0.add(s1).add(s2.add(s3)).add(s4.add(s5).add(s6.add(s7))).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            total += a[i];
        }
        return total;
    }

    /** {@code rounds} rounds of {@link #CHAINS} independent 256-bit FMAs: rounds x 12 x 8 x 2 flops. */
    static float fma256(int rounds) {
        FloatVector m = FloatVector.broadcast(S256, 0.999999f), c = FloatVector.broadcast(S256, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(S256, 1f), a1 = FloatVector.broadcast(S256, 1.01f),
                a2 = FloatVector.broadcast(S256, 1.02f), a3 = FloatVector.broadcast(S256, 1.03f),
                a4 = FloatVector.broadcast(S256, 1.04f), a5 = FloatVector.broadcast(S256, 1.05f),
                a6 = FloatVector.broadcast(S256, 1.06f), a7 = FloatVector.broadcast(S256, 1.07f),
                a8 = FloatVector.broadcast(S256, 1.08f), a9 = FloatVector.broadcast(S256, 1.09f),
                a10 = FloatVector.broadcast(S256, 1.10f), a11 = FloatVector.broadcast(S256, 1.11f);
        for (int r = 0; r < rounds; r++) { // a = a * m + c stays near 1: no overflow, no subnormals
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)))
                .reduceLanes(VectorOperators.ADD);
    }

    /** {@code rounds} rounds of {@link #CHAINS} independent 512-bit FMAs: rounds x 12 x 16 x 2 flops. */
    static float fma512(int rounds) {
        FloatVector m = FloatVector.broadcast(S512, 0.999999f), c = FloatVector.broadcast(S512, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(S512, 1f), a1 = FloatVector.broadcast(S512, 1.01f),
                a2 = FloatVector.broadcast(S512, 1.02f), a3 = FloatVector.broadcast(S512, 1.03f),
                a4 = FloatVector.broadcast(S512, 1.04f), a5 = FloatVector.broadcast(S512, 1.05f),
                a6 = FloatVector.broadcast(S512, 1.06f), a7 = FloatVector.broadcast(S512, 1.07f),
                a8 = FloatVector.broadcast(S512, 1.08f), a9 = FloatVector.broadcast(S512, 1.09f),
                a10 = FloatVector.broadcast(S512, 1.10f), a11 = FloatVector.broadcast(S512, 1.11f);
        for (int r = 0; r < rounds; r++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)))
                .reduceLanes(VectorOperators.ADD);
    }

    /** Median, best and number of the rates of repeated runs. */
    record Stats(double median, double best, int runs) {
    }

    /**
     * Runs {@code run} (which returns a rate) until {@code seconds} have passed and at least
     * {@code minRuns} runs are done. The median stands for the machine; the best shows how much
     * other work on it held the median down.
     */
    static Stats repeat(double seconds, int minRuns, DoubleSupplier run) {
        double[] rates = new double[16];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < minRuns || System.nanoTime() < end) {
            if (n == rates.length) {
                rates = Arrays.copyOf(rates, 2 * n);
            }
            rates[n++] = run.getAsDouble();
        }
        double[] sorted = Arrays.copyOf(rates, n);
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(median, sorted[n - 1], n);
    }

    /**
     * Runs {@code body.accept(t)} for t in [0, threads) on as many new threads, released
     * together once all have started; returns the nanoseconds from the release to the last finish.
     */
    static long parallel(int threads, IntConsumer body) {
        CountDownLatch ready = new CountDownLatch(threads), go = new CountDownLatch(1), done = new CountDownLatch(threads);
        RuntimeException[] failure = new RuntimeException[1];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    body.accept(id);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure[0] = e;
                } finally {
                    done.countDown();
                }
            }, "llama-machine-" + t);
            th.setDaemon(true);
            th.start();
        }
        try {
            ready.await();
            long t0 = System.nanoTime();
            go.countDown();
            done.await();
            long elapsed = System.nanoTime() - t0;
            if (failure[0] != null) {
                throw failure[0];
            }
            return elapsed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring", e);
        }
    }
}
