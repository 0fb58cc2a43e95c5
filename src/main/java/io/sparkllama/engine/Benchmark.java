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
 * measure the neighbours. The KV cache is paged and sized like an engine's: sequences take
 * blocks as they grow, so its peak follows the tokens held, not sequences x context.
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
     * @param kvBytesReserved the KV cache's capacity
     * @param kvBytesPeak  the most bytes of KV blocks held at once
     */
    public record Result(int batch, double prefillTokS, double decodeTokS, double msPerStep, long peakHeapMb,
                         long kvBytesReserved, long kvBytesPeak) {
    }

    private final LlamaModel model;
    private final ComputePool pool;
    private final EngineOptions options;

    /**
     * @param options the KV cache's type, block size, memory and context (0: prompt + generated
     *                tokens), and the prefill chunk; the sequences are the batch of each run
     */
    public Benchmark(LlamaModel model, ComputePool pool, EngineOptions options) {
        this.model = model;
        this.pool = pool;
        this.options = options;
    }

    /**
     * Runs {@code batch} sequences of {@code promptTokens} prompt and {@code genTokens} generated
     * tokens, {@code reps} times after a warm-up; returns the best prefill and decode rates.
     */
    public Result run(int batch, int promptTokens, int genTokens, int reps) {
        int used = promptTokens + genTokens;
        if (used > model.config().contextLength()) {
            throw new IllegalArgumentException("prompt + generated tokens (" + used + ") exceed the model's context of "
                    + model.config().contextLength());
        }
        EngineOptions o = options.withMaxSequences(batch).withContextLength(options.contextLength() == 0 ? used
                : options.contextLength());
        if (used > o.contextFor(model.config())) {
            throw new IllegalArgumentException("prompt + generated tokens (" + used + ") exceed the context of "
                    + o.contextFor(model.config()));
        }
        int prefillChunk = options.prefillChunk();
        ForwardState state = model.newState(Math.max(batch, prefillChunk), batch);
        KvCache cache = KvCache.paged(model.config(), batch, o.contextFor(model.config()), o.kvBlockSize(),
                MemoryBudget.kvBlocks(model.config(), o), o.kvType());
        int needed = batch * cache.blocksFor(used);
        if (needed > cache.blocks().capacity()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%d sequences of %d tokens need %d KV blocks "
                    + "(%,d MB); the KV cache holds %d; lower the batch or give it more memory", batch, used, needed,
                    (needed * cache.blockBytes()) >> 20, cache.blocks().capacity()));
        }
        measure(cache, state, batch, Math.min(promptTokens, 32), Math.min(genTokens, 32)); // warm-up
        Result best = null;
        for (int r = 0; r < reps; r++) {
            Result m = measure(cache, state, batch, promptTokens, genTokens);
            best = best == null ? m : new Result(batch, Math.max(best.prefillTokS(), m.prefillTokS()),
                    Math.max(best.decodeTokS(), m.decodeTokS()), Math.min(best.msPerStep(), m.msPerStep()), m.peakHeapMb(),
                    m.kvBytesReserved(), m.kvBytesPeak());
        }
        return best;
    }

    /** Maps a block into {@code slot} when {@code pos} starts a new one. */
    private static void grow(KvCache cache, int slot, int pos) {
        while (cache.mappedBlocks(slot) <= pos / cache.blockSize()) {
            cache.append(slot, cache.blocks().take());
        }
    }

    private Result measure(KvCache cache, ForwardState state, int batch, int promptTokens, int genTokens) {
        int prefillChunk = options.prefillChunk();
        for (int seq = 0; seq < batch; seq++) {
            cache.clear(seq);
        }
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
                    grow(cache, seq, p + i);
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
                grow(cache, seq, promptTokens + step);
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
                decode * 1e3 / Math.max(1, genTokens), peakHeapMb(), cache.blocks().capacity() * cache.blockBytes(),
                cache.blocks().peakInUse() * cache.blockBytes());
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
