package io.sparkllama.engine;

import io.sparkllama.kernels.ComputePool;
import io.sparkllama.model.ForwardState;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.TokenBatch;
import io.sparkllama.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates for many requests at once with continuous batching. Any number of threads submit
 * requests and get futures; one engine thread runs the steps. Each step feeds one token of every
 * decoding sequence plus up to {@code prefillChunk} prompt tokens of sequences being prefilled,
 * reads each weight matrix once for all of them, samples, retires finished sequences and admits
 * waiting requests into the freed KV slots before the next step.
 *
 * <p>A request's tokens and logits are bit-identical whatever else runs with it, whichever slot
 * it gets and whatever the thread count (see docs/ARCHITECTURE.md, "Numerics contract"), and it
 * samples from its own random stream, so the same request with the same seed gives the same
 * output alone or in any company.
 *
 * <p>A request that cannot run (a prompt longer than the context, bad token ids) completes with
 * an error result; it never disturbs the others.
 */
public final class Engine implements AutoCloseable {
    private final LoadedModel loaded;
    private final EngineOptions options;
    private final ComputePool pool;
    private final KvCache cache;
    private final ForwardState state;
    private final TokenBatch batch;
    private final Sampler sampler;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final ArrayDeque<Active> prefilling = new ArrayDeque<>();
    private final Active[] slots;
    private final Thread loop;
    private volatile boolean closed;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generatedTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();

    private record Pending(Sequence sequence, CompletableFuture<GenerationResult> future) {
    }

    private static final class Active {
        final Sequence sequence;
        final CompletableFuture<GenerationResult> future;
        final int slot;

        Active(Pending p, int slot) {
            this.sequence = p.sequence;
            this.future = p.future;
            this.slot = slot;
        }
    }

    /** Counters since the engine started. */
    public record Stats(long promptTokens, long generatedTokens, long steps, long busyNanos, long completed, int active,
                        int waiting) {
    }

    /**
     * Allocates the KV cache and starts the engine thread.
     *
     * @throws IllegalArgumentException when the KV cache does not fit the budget or the heap (nothing is allocated then)
     */
    public Engine(LoadedModel loaded, EngineOptions options) {
        this.loaded = loaded;
        this.options = options;
        LlamaConfig c = loaded.config();
        int context = options.contextLength() == 0 ? c.contextLength() : Math.min(options.contextLength(), c.contextLength());
        MemoryBudget.checkKvCache(c, options.maxSequences(), context, options.kvType(), options.kvBudgetBytes());
        this.cache = KvCache.allocate(c, options.maxSequences(), context, options.kvType());
        int maxTokens = options.maxSequences() + options.prefillChunk();
        this.state = loaded.model().newState(maxTokens, options.maxSequences());
        this.batch = new TokenBatch(maxTokens);
        this.sampler = new Sampler(c.vocabSize());
        this.slots = new Active[options.maxSequences()];
        this.pool = new ComputePool(options.effectiveThreads(), "llama-compute");
        this.loop = new Thread(this::run, "llama-engine");
        this.loop.setDaemon(true);
        this.loop.start();
    }

    public LoadedModel model() {
        return loaded;
    }

    public EngineOptions options() {
        return options;
    }

    /** Positions available to each sequence. */
    public int contextLength() {
        return cache.context();
    }

    /**
     * Queues a request. The future completes with the result, which is an error result (never an
     * exceptional completion) when the request cannot run.
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        if (closed) {
            future.complete(GenerationResult.error("engine is closed", 0));
            return future;
        }
        Sequence seq;
        try {
            seq = sequence(request);
        } catch (IllegalArgumentException e) {
            future.complete(GenerationResult.error(e.getMessage(), promptLength(request)));
            return future;
        }
        queue.add(new Pending(seq, future));
        if (closed) {
            drainQueue();
        }
        return future;
    }

    /** Submits and waits. */
    public GenerationResult generate(GenerationRequest request) {
        return submit(request).join();
    }

    private static int promptLength(GenerationRequest r) {
        return r.promptTokens() != null ? r.promptTokens().length : 0;
    }

    /** Tokenizes and checks a request on the caller's thread. */
    private Sequence sequence(GenerationRequest r) {
        Tokenizer tok = loaded.tokenizer();
        int[] tokens = r.promptTokens() != null ? r.promptTokens().clone() : tok.encode(r.prompt(), true, false);
        int vocab = loaded.config().vocabSize();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("prompt token id " + t + " is outside the vocabulary of " + vocab);
            }
        }
        int context = cache.context();
        if (tokens.length > context || (r.truncateLeft() && tokens.length + r.params().maxTokens() > context)) {
            if (!r.truncateLeft()) {
                throw new IllegalArgumentException("prompt has " + tokens.length + " tokens, more than the context of "
                        + context + " (ask for left truncation to cut it)");
            }
            tokens = truncateLeft(tokens, Math.max(2, context - r.params().maxTokens()), tok.vocabulary().bos());
        }
        return new Sequence(tokens, r.params(), tok, context, r.listener());
    }

    /** Keeps a leading BOS and the last tokens, {@code limit} in all. */
    static int[] truncateLeft(int[] tokens, int limit, int bos) {
        if (tokens.length <= limit) {
            return tokens;
        }
        int keepBos = tokens.length > 0 && tokens[0] == bos ? 1 : 0;
        int[] out = new int[limit];
        System.arraycopy(tokens, 0, out, 0, keepBos);
        System.arraycopy(tokens, tokens.length - (limit - keepBos), out, keepBos, limit - keepBos);
        return out;
    }

    public Stats stats() {
        return new Stats(promptTokens.get(), generatedTokens.get(), steps.get(), busyNanos.get(), completed.get(),
                activeCount(), queue.size());
    }

    private void run() {
        while (!closed) {
            try {
                if (!admit()) {
                    continue;
                }
                long t0 = System.nanoTime();
                step();
                busyNanos.addAndGet(System.nanoTime() - t0);
            } catch (InterruptedException e) {
                break;
            } catch (Throwable t) {
                failActive(t);
            }
        }
        failActive(new IllegalStateException("engine is closed"));
        drainQueue();
    }

    /** Fills free slots from the queue, waiting briefly when there is no work at all. Returns whether anything is active. */
    private boolean admit() throws InterruptedException {
        if (activeCount() == 0) {
            Pending first = queue.pollFirst(100, TimeUnit.MILLISECONDS);
            if (first == null) {
                return false;
            }
            queue.putFirst(first);
        }
        for (int s = 0; s < slots.length && !queue.isEmpty(); s++) {
            if (slots[s] == null) {
                Pending p = queue.pollFirst();
                if (p == null) {
                    break;
                }
                slots[s] = new Active(p, s);
                prefilling.add(slots[s]);
            }
        }
        return activeCount() > 0;
    }

    private int activeCount() {
        int n = 0;
        for (Active a : slots) {
            n += a != null ? 1 : 0;
        }
        return n;
    }

    /** One forward step over every decoding sequence and a chunk of prompt tokens. */
    private void step() {
        batch.clear();
        int[] logitRow = new int[slots.length];
        Arrays.fill(logitRow, -1);
        for (Active a : slots) {
            if (a != null && !a.sequence.prefilling() && !a.sequence.finished()) {
                logitRow[a.slot] = batch.add(a.sequence.lastToken(), a.sequence.position(), a.slot, true);
            }
        }
        int budget = options.prefillChunk();
        int[] fed = new int[slots.length];
        for (Active a : prefilling) {
            if (budget == 0) {
                break;
            }
            Sequence s = a.sequence;
            int n = Math.min(budget, s.promptRemaining());
            for (int i = 0; i < n; i++) {
                int pos = s.position() + i;
                boolean last = i == n - 1 && n == s.promptRemaining();
                int row = batch.add(s.prompt[pos], pos, a.slot, last);
                if (last) {
                    logitRow[a.slot] = row;
                }
            }
            fed[a.slot] = n;
            budget -= n;
        }
        loaded.model().forward(batch, cache, state, pool);
        steps.incrementAndGet();
        int vocab = loaded.config().vocabSize();
        for (Active a : slots) {
            if (a == null) {
                continue;
            }
            Sequence s = a.sequence;
            boolean wantsLogits;
            if (fed[a.slot] > 0) {
                promptTokens.addAndGet(fed[a.slot]);
                wantsLogits = s.advance(fed[a.slot]);
                if (!s.prefilling()) {
                    prefilling.remove(a);
                }
            } else if (logitRow[a.slot] >= 0) {
                wantsLogits = s.advance(1);
            } else {
                continue;
            }
            if (wantsLogits && logitRow[a.slot] >= 0) {
                int before = s.generatedCount();
                s.accept(sampler.sample(state.logits(), logitRow[a.slot] * vocab, s.params, s.rng));
                generatedTokens.addAndGet(s.generatedCount() - before);
            }
            if (s.finished()) {
                retire(a, s.result());
            }
        }
    }

    private void retire(Active a, GenerationResult r) {
        slots[a.slot] = null;
        prefilling.remove(a);
        completed.incrementAndGet();
        a.future.complete(r);
    }

    private void failActive(Throwable t) {
        for (Active a : slots) {
            if (a != null) {
                retire(a, GenerationResult.error("engine failure: " + t, a.sequence.prompt.length));
            }
        }
    }

    private void drainQueue() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.future.complete(GenerationResult.error("engine is closed", p.sequence.prompt.length));
        }
    }

    /** Stops the engine: running and waiting requests complete with an error result. */
    @Override
    public void close() {
        closed = true;
        loop.interrupt();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drainQueue();
        pool.close();
    }
}
