package io.sparkllama.engine;

import io.sparkllama.kernels.ComputePool;
import io.sparkllama.model.ForwardState;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaModel;
import io.sparkllama.model.TokenBatch;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.SplittableRandom;

/**
 * Measures prefill and decode throughput of the batched forward pass: {@code batch} sequences
 * of random prompt tokens are prefilled in chunks, then decoded together with greedy sampling
 * for a fixed number of steps. An untimed run first lets the JIT compile the kernels; then the
 * measurement is repeated and the best rates are kept, since on a shared machine slower runs
 * measure the neighbours.
 */
public final class Benchmark {
    /**
     * One measurement.
     *
     * @param batch        sequences decoded together
     * @param prefillTokS  prompt tokens per second, all sequences together
     * @param decodeTokS   generated tokens per second, all sequences together
     * @param msPerStep    wall time of one decode step
     * @param peakHeapMb   peak heap use of the JVM so far
     */
    public record Result(int batch, double prefillTokS, double decodeTokS, double msPerStep, long peakHeapMb) {
    }

    private final LlamaModel model;
    private final ComputePool pool;
    private final KvCache.Type kvType;
    private final int prefillChunk;

    public Benchmark(LlamaModel model, ComputePool pool, KvCache.Type kvType, int prefillChunk) {
        this.model = model;
        this.pool = pool;
        this.kvType = kvType;
        this.prefillChunk = prefillChunk;
    }

    /**
     * Runs {@code batch} sequences of {@code promptTokens} prompt and {@code genTokens} generated
     * tokens, {@code reps} times after a warm-up; returns the best prefill and decode rates.
     */
    public Result run(int batch, int promptTokens, int genTokens, int reps) {
        int context = promptTokens + genTokens;
        if (context > model.config().contextLength()) {
            throw new IllegalArgumentException("prompt + generated tokens (" + context + ") exceed the model's context of "
                    + model.config().contextLength());
        }
        KvCache cache = KvCache.allocate(model.config(), batch, context, kvType);
        ForwardState state = model.newState(Math.max(batch, prefillChunk), batch);
        measure(cache, state, batch, Math.min(promptTokens, 32), Math.min(genTokens, 32)); // warm-up
        Result best = null;
        for (int r = 0; r < reps; r++) {
            Result m = measure(cache, state, batch, promptTokens, genTokens);
            best = best == null ? m : new Result(batch, Math.max(best.prefillTokS(), m.prefillTokS()),
                    Math.max(best.decodeTokS(), m.decodeTokS()), Math.min(best.msPerStep(), m.msPerStep()), m.peakHeapMb());
        }
        return best;
    }

    private Result measure(KvCache cache, ForwardState state, int batch, int promptTokens, int genTokens) {
        int vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(42);
        TokenBatch tb = new TokenBatch(Math.max(batch, prefillChunk));
        int[] last = new int[batch];
        long t0 = System.nanoTime();
        for (int seq = 0; seq < batch; seq++) {
            for (int p = 0; p < promptTokens; p += prefillChunk) {
                tb.clear();
                int n = Math.min(prefillChunk, promptTokens - p);
                for (int i = 0; i < n; i++) {
                    tb.add(rnd.nextInt(3, vocab), p + i, seq, false);
                }
                model.forward(tb, cache, state, pool);
            }
            last[seq] = rnd.nextInt(3, vocab);
        }
        long t1 = System.nanoTime();
        for (int step = 0; step < genTokens; step++) {
            tb.clear();
            for (int seq = 0; seq < batch; seq++) {
                tb.add(last[seq], promptTokens + step, seq, true);
            }
            model.forward(tb, cache, state, pool);
            for (int seq = 0; seq < batch; seq++) {
                last[seq] = Sampler.argmax(state.logits(), seq * vocab, vocab);
            }
        }
        long t2 = System.nanoTime();
        double prefill = (t1 - t0) / 1e9, decode = (t2 - t1) / 1e9;
        return new Result(batch, batch * promptTokens / prefill, batch * genTokens / decode,
                decode * 1e3 / Math.max(1, genTokens), peakHeapMb());
    }

    /** Peak use of all heap pools since the JVM started, in MB. */
    static long peakHeapMb() {
        long bytes = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                bytes += p.getPeakUsage().getUsed();
            }
        }
        return bytes >> 20;
    }
}
