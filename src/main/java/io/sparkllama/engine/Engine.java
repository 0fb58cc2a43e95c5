package io.sparkllama.engine;

import io.sparkllama.kernels.ComputePool;
import io.sparkllama.model.ForwardState;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LlamaConfig;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.TokenBatch;
import io.sparkllama.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs generation and scoring requests for many callers at once, with continuous batching. Any
 * number of threads submit requests and get futures; one engine thread runs the steps. Each step
 * feeds one token of every decoding sequence, plus up to {@code prefillChunk} tokens of prompts
 * being prefilled and continuations being scored; it reads each weight matrix once for all of
 * them, samples or scores, retires finished requests and admits waiting ones into the freed KV
 * slots before the next step. With a prefix cache, a prompt that starts like a recent one copies
 * that prefix's keys and values instead of computing them.
 *
 * <p>A request's tokens, logits and scores are bit-identical whatever else runs with it,
 * whichever slot it gets, whatever the thread count and whether its prefix came from the cache
 * (see docs/ARCHITECTURE.md, "Numerics contract"); it samples from its own random stream, so the
 * same request with the same seed gives the same output alone or in any company.
 *
 * <p>A request that cannot run (a prompt longer than the context, bad token ids) completes with
 * an error result; it never disturbs the others. Only a failure of the engine itself (a step
 * that throws, or closing the engine) completes futures exceptionally, with
 * {@link EngineFailureException}: the requests were fine and may be run again.
 */
public final class Engine implements AutoCloseable {
    /** Shortest prompt prefix the prefix cache copies. */
    static final int MIN_CACHED_PREFIX = 16;

    private final LoadedModel loaded;
    private final EngineOptions options;
    private final ComputePool pool;
    private final KvCache cache;
    private final ForwardState state;
    private final TokenBatch batch;
    private final Sampler sampler;
    private final LogSoftmax logSoftmax;
    private final PrefixCache prefixCache;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final List<EngineTask> active = new ArrayList<>();
    private final ArrayDeque<EngineTask> prefilling = new ArrayDeque<>();
    private final BitSet freeSlots = new BitSet();
    private final Thread loop;
    private volatile boolean closed;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong reusedPromptTokens = new AtomicLong();
    private final AtomicLong outputTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();

    /** A task waiting for a slot. */
    private record Pending(EngineTask task) {
    }

    /**
     * Counters since the engine started.
     *
     * @param promptTokens       prompt and context tokens computed (cached prefixes not counted)
     * @param reusedPromptTokens prompt tokens copied from the prefix cache instead
     * @param outputTokens       tokens generated or scored
     */
    public record Stats(long promptTokens, long reusedPromptTokens, long outputTokens, long steps, long busyNanos,
                        long completed, int active, int waiting) {
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
        int context = options.contextFor(c);
        int slots = options.kvSlots();
        MemoryBudget.checkKvCache(c, slots, context, options.kvType(), options.kvBudgetBytes());
        this.cache = KvCache.allocate(c, slots, context, options.kvType());
        this.prefixCache = options.prefixCacheSlots() > 0
                ? new PrefixCache(cache, options.maxSequences(), options.prefixCacheSlots(), MIN_CACHED_PREFIX) : null;
        int maxTokens = options.tokensPerStep();
        this.state = loaded.model().newState(maxTokens, maxTokens);
        this.batch = new TokenBatch(maxTokens);
        this.sampler = new Sampler(c.vocabSize());
        this.logSoftmax = new LogSoftmax(c.vocabSize());
        freeSlots.set(0, options.maxSequences());
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
     * Queues a generation request. The future completes with the result, which is an error
     * result when the request cannot run, or exceptionally with {@link EngineFailureException}
     * when the engine fails or closes first.
     */
    public CompletableFuture<GenerationResult> submit(GenerationRequest request) {
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        try {
            enqueue(sequence(request, future));
        } catch (IllegalArgumentException e) {
            future.complete(GenerationResult.error(e.getMessage(), request.promptTokens() != null ? request.promptTokens().length : 0));
        }
        return future;
    }

    /** Submits and waits. */
    public GenerationResult generate(GenerationRequest request) {
        return submit(request).join();
    }

    /**
     * Queues a scoring request: the log-likelihood of each continuation after the context. The
     * future completes with an error result when the request cannot run, or exceptionally with
     * {@link EngineFailureException} when the engine fails or closes first.
     */
    public CompletableFuture<ScoreResult> submit(ScoreRequest request) {
        CompletableFuture<ScoreResult> future = new CompletableFuture<>();
        try {
            checkTokens(request.context());
            request.continuations().forEach(this::checkTokens);
            enqueue(new ScoreTask(request, cache.context(), loaded.config().vocabSize(), logSoftmax, future));
        } catch (IllegalArgumentException e) {
            future.complete(ScoreResult.error(e.getMessage(), request.context().length));
        }
        return future;
    }

    /** Submits and waits. */
    public ScoreResult score(ScoreRequest request) {
        return submit(request).join();
    }

    private void enqueue(EngineTask task) {
        if (closed) {
            task.abort(new EngineFailureException("engine is closed", null));
            return;
        }
        queue.add(new Pending(task));
        if (closed) {
            drainQueue();
        }
    }

    private void checkTokens(int[] tokens) {
        int vocab = loaded.config().vocabSize();
        for (int t : tokens) {
            if (t < 0 || t >= vocab) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocab);
            }
        }
    }

    /** Tokenizes and checks a request on the caller's thread. */
    private Sequence sequence(GenerationRequest r, CompletableFuture<GenerationResult> future) {
        Tokenizer tok = loaded.tokenizer();
        int[] tokens = r.promptTokens() != null ? r.promptTokens().clone()
                : tok.encode(r.prompt(), tok.vocabulary().addBos(), tok.vocabulary().addEos(), r.parseSpecial());
        checkTokens(tokens);
        int context = cache.context();
        if (tokens.length > context || (r.truncateLeft() && tokens.length + r.params().maxTokens() > context)) {
            if (!r.truncateLeft()) {
                throw new IllegalArgumentException("prompt has " + tokens.length + " tokens, more than the context of "
                        + context + " (ask for left truncation to cut it)");
            }
            tokens = truncateLeft(tokens, Math.max(2, context - r.params().maxTokens()), tok.vocabulary().bos());
        }
        return new Sequence(tokens, r.params(), tok, context, r.listener(), future);
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
        return new Stats(promptTokens.get(), reusedPromptTokens.get(), outputTokens.get(), steps.get(), busyNanos.get(),
                completed.get(), active.size(), queue.size());
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
                // the step may have left any slot half written: abort what was running, forget cached prefixes
                failActive(new EngineFailureException("engine step failed: " + t, t));
                if (prefixCache != null) {
                    prefixCache.clear();
                }
            }
        }
        failActive(new EngineFailureException("engine is closed", null));
        drainQueue();
    }

    /** Moves waiting tasks into free slots, waiting briefly when there is no work at all. Returns whether anything is active. */
    private boolean admit() throws InterruptedException {
        if (active.isEmpty()) {
            Pending first = queue.pollFirst(100, TimeUnit.MILLISECONDS);
            if (first == null) {
                return false;
            }
            queue.putFirst(first);
        }
        while (!queue.isEmpty() && !freeSlots.isEmpty()) {
            Pending p = queue.pollFirst();
            if (p == null) {
                break;
            }
            EngineTask t = p.task();
            t.slot = takeSlot();
            if (prefixCache != null) {
                t.fed = prefixCache.restore(t.prompt, t.slot);
                reusedPromptTokens.addAndGet(t.fed);
            }
            active.add(t);
            prefilling.add(t);
        }
        return !active.isEmpty();
    }

    private int takeSlot() {
        int s = freeSlots.nextSetBit(0);
        freeSlots.clear(s);
        return s;
    }

    /** The step being planned: tokens go into the batch, their logits rows are remembered for the owners. */
    private final class StepPlanner implements EngineTask.Planner {
        int budget = options.prefillChunk();
        final List<EngineTask> rowOwner = new ArrayList<>();
        final List<Integer> rowTag = new ArrayList<>();

        @Override
        public int budget() {
            return budget;
        }

        @Override
        public boolean add(EngineTask owner, int tag, int token, int position, int slot, boolean logits, boolean budgeted) {
            if (budgeted) {
                if (budget == 0) {
                    return false;
                }
                budget--;
            }
            int row = batch.add(token, position, slot, logits);
            if (row >= 0) {
                rowOwner.add(owner);
                rowTag.add(tag);
            }
            return true;
        }

        @Override
        public int acquire() {
            return freeSlots.isEmpty() ? -1 : takeSlot();
        }

        @Override
        public void release(int slot) {
            freeSlots.set(slot);
        }

        @Override
        public void copyPrefix(int from, int to, int length) {
            cache.copyPrefix(from, to, length);
        }
    }

    /** Marks a prompt's last token: its logits go to {@link EngineTask#promptDone}. */
    private static final int PROMPT_DONE = -1;

    /** One forward step: decode tokens, continuation chunks, then prompt chunks, within the budget. */
    private void step() {
        batch.clear();
        StepPlanner plan = new StepPlanner();
        for (EngineTask t : active) {
            if (!t.prefilling()) {
                t.plan(plan);
            }
        }
        List<EngineTask> fedPrompts = new ArrayList<>();
        List<Integer> fedCounts = new ArrayList<>();
        for (EngineTask t : prefilling) {
            if (plan.budget == 0) {
                break;
            }
            int n = Math.min(plan.budget, t.prompt.length - t.fed);
            for (int i = 0; i < n; i++) {
                int pos = t.fed + i;
                boolean last = pos == t.prompt.length - 1;
                plan.add(t, PROMPT_DONE, t.prompt[pos], pos, t.slot, last, true);
            }
            fedPrompts.add(t);
            fedCounts.add(n);
        }
        loaded.model().forward(batch, cache, state, pool);
        steps.incrementAndGet();
        for (int i = 0; i < fedPrompts.size(); i++) {
            EngineTask t = fedPrompts.get(i);
            t.fed += fedCounts.get(i);
            promptTokens.addAndGet(fedCounts.get(i));
        }
        int vocab = loaded.config().vocabSize();
        float[] logits = state.logits();
        for (int row = 0; row < plan.rowOwner.size(); row++) {
            EngineTask t = plan.rowOwner.get(row);
            if (plan.rowTag.get(row) == PROMPT_DONE) {
                prefilling.remove(t);
                if (prefixCache != null) {
                    prefixCache.store(t.prompt, t.slot);
                }
                t.promptDone(logits, row * vocab, sampler);
            } else {
                t.onLogits(plan.rowTag.get(row), logits, row * vocab, sampler);
            }
        }
        for (int i = active.size() - 1; i >= 0; i--) {
            EngineTask t = active.get(i);
            t.stepDone(plan);
            if (t.finished()) {
                retire(i);
                t.complete();
            }
        }
    }

    private void retire(int index) {
        EngineTask t = active.remove(index);
        prefilling.remove(t);
        freeSlots.set(t.slot);
        for (int s : t.heldSlots()) {
            freeSlots.set(s);
        }
        completed.incrementAndGet();
        outputTokens.addAndGet(t.outputTokens());
    }

    private void failActive(EngineFailureException failure) {
        for (int i = active.size() - 1; i >= 0; i--) {
            EngineTask t = active.get(i);
            retire(i);
            t.abort(failure);
        }
    }

    private void drainQueue() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.task().abort(new EngineFailureException("engine is closed", null));
        }
    }

    /** Stops the engine: running and waiting requests complete exceptionally with {@link EngineFailureException}. */
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
