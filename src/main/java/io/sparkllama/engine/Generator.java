package io.sparkllama.engine;

import io.sparkllama.kernels.ComputePool;
import io.sparkllama.model.ForwardState;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaModel;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.TokenBatch;

import java.util.function.Consumer;

/**
 * Generates for one sequence at a time, as llama2.c's {@code run} does: the prompt is prefilled
 * in chunks, then one token per step is sampled and fed back. Used by the command line for a
 * single prompt and as the plain reference path in tests. Not thread-safe.
 */
public final class Generator implements AutoCloseable {
    /** Prompt tokens per forward step during prefill. */
    public static final int PREFILL_CHUNK = 64;

    private final LoadedModel loaded;
    private final ComputePool pool;
    private final KvCache cache;
    private final ForwardState state;
    private final TokenBatch batch = new TokenBatch(PREFILL_CHUNK);
    private final Sampler sampler;
    private long prefillNanos;
    private long decodeNanos;
    private int decodeSteps;

    public Generator(LoadedModel loaded, int threads) {
        this.loaded = loaded;
        this.pool = new ComputePool(threads, "llama-compute");
        LlamaModel m = loaded.model();
        this.cache = KvCache.allocate(m.config(), 1, m.config().contextLength(), KvCache.Type.F32);
        this.state = m.newState(PREFILL_CHUNK, 1);
        this.sampler = new Sampler(m.config().vocabSize());
    }

    /**
     * Runs a prompt (already tokenized, BOS included) to completion. {@code onText} receives the
     * completion's text as it is produced, or is null.
     *
     * @throws IllegalArgumentException for an empty prompt or one longer than the context
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, Consumer<String> onText) {
        Sequence seq = new Sequence(prompt, params, loaded.tokenizer(), cache.context(), onText);
        LlamaModel model = loaded.model();
        int vocab = model.config().vocabSize();
        long t0 = System.nanoTime();
        boolean wantLogits = false;
        while (seq.prefilling()) {
            batch.clear();
            int n = Math.min(PREFILL_CHUNK, seq.promptRemaining());
            for (int i = 0; i < n; i++) {
                batch.add(prompt[seq.position() + i], seq.position() + i, 0, i == n - 1 && n == seq.promptRemaining());
            }
            model.forward(batch, cache, state, pool);
            wantLogits = seq.advance(n);
        }
        long t1 = System.nanoTime();
        prefillNanos += t1 - t0;
        while (wantLogits) {
            seq.accept(sampler.sample(state.logits(), 0, params, seq.rng));
            if (seq.finished()) {
                break;
            }
            batch.clear();
            batch.add(seq.lastToken(), seq.position(), 0, true);
            model.forward(batch, cache, state, pool);
            wantLogits = seq.advance(1);
            decodeSteps++;
        }
        decodeNanos += System.nanoTime() - t1;
        return seq.result();
    }

    /** Wall time spent in prefill so far, nanoseconds. */
    public long prefillNanos() {
        return prefillNanos;
    }

    /** Wall time spent decoding (sampling and single-token steps) so far, nanoseconds. */
    public long decodeNanos() {
        return decodeNanos;
    }

    /** Single-token forward steps so far. */
    public int decodeSteps() {
        return decodeSteps;
    }

    @Override
    public void close() {
        pool.close();
    }
}
