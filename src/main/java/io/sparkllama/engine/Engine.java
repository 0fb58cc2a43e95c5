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
 * them, samples or scores, retires finished requests and admits waiting ones before the next
 * step. The KV cache is paged (see {@link KvCache}): a request is admitted when a sequence slot
 * is free and the KV blocks it may need can be reserved ({@link KvAllocator}), so the number of
 * sequences is a cap and memory follows the tokens actually held. With a prefix cache, a prompt
 * that starts like a recent one maps that prefix's cached blocks instead of computing them.
 *
 * <p>A request's tokens, logits and scores are bit-identical whatever else runs with it,
 * whichever slot it gets, whatever the thread count and whether its prefix came from the cache
 * (see docs/ARCHITECTURE.md, "Numerics contract"); it samples from its own random stream, so the
 * same request with the same seed gives the same output alone or in any company.
 *
 * <p>A request that cannot run (a prompt longer than the context, bad token ids, more KV than
 * the cache holds) completes with an error result; it never disturbs the others. A caller that
 * cancels its future, or whose listener throws, frees the request's slot and blocks before the
 * next step. Only a failure of the engine itself (a step that throws, its thread dying, or
 * closing the engine) completes futures exceptionally, with {@link EngineFailureException}: the
 * requests were fine and may be run again. No future is ever left waiting.
 */
public final class Engine implements AutoCloseable {
    private final LoadedModel loaded;
    private final EngineOptions options;
    private final ComputePool pool;
    private final KvCache cache;
    private final ForwardState state;
    private final TokenBatch batch;
    private final Sampler sampler;
    private final LogSoftmax logSoftmax;
    private final PrefixCache prefixCache;
    private final KvAllocator allocator;
    private final LinkedBlockingDeque<Pending> queue = new LinkedBlockingDeque<>();
    private final List<EngineTask> active = new ArrayList<>();
    private final ArrayDeque<EngineTask> prefilling = new ArrayDeque<>();
    private final BitSet freeSlots = new BitSet();
    private final Thread loop;
    private volatile boolean closed;
    /** Why the engine thread ended while the engine was open; requests then fail at once. */
    private volatile Throwable death;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong reusedPromptTokens = new AtomicLong();
    private final AtomicLong outputTokens = new AtomicLong();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    /** Active tasks, as last counted by the engine thread (for {@link #stats} from other threads). */
    private volatile int activeCount;

    /** A task waiting for a slot; a null task only wakes the engine thread. */
    private record Pending(EngineTask task) {
    }

    /**
     * Counters since the engine started, and the KV cache's state.
     *
     * @param promptTokens       prompt and context tokens computed (cached prefixes not counted)
     * @param reusedPromptTokens prompt tokens whose KV came from the prefix cache instead
     * @param outputTokens       tokens generated or scored
     * @param abandoned          requests dropped because their caller cancelled them or their listener failed
     * @param kvBytesReserved    the KV cache's capacity: the most bytes its blocks may take
     * @param kvBytesPeak        the most bytes of KV blocks held at once (sequences and prefix cache)
     * @param kvBytesInUse       bytes of KV blocks held now
     * @param kvBytesCopied      bytes of KV copied between blocks (partial blocks of forked scoring continuations)
     * @param cachedBlocks       blocks the prefix cache holds
     */
    public record Stats(long promptTokens, long reusedPromptTokens, long outputTokens, long steps, long busyNanos,
                        long completed, int active, int waiting, long abandoned, long kvBytesReserved, long kvBytesPeak,
                        long kvBytesInUse, long kvBytesCopied, int cachedBlocks) {
    }

    /**
     * Sizes the KV cache and starts the engine thread.
     *
     * @throws IllegalArgumentException when the KV cache cannot hold one sequence of the context within the budget or
     *                                  the heap
     */
    public Engine(LoadedModel loaded, EngineOptions options) {
        this.loaded = loaded;
        this.options = options;
        LlamaConfig c = loaded.config();
        int maxTokens = options.tokensPerStep();
        this.state = loaded.model().newState(maxTokens, maxTokens);
        int blocks = MemoryBudget.kvBlocks(c, options);
        this.cache = KvCache.paged(c, options.maxSequences(), options.contextFor(c), options.kvBlockSize(), blocks,
                options.kvType());
        this.prefixCache = options.prefixCacheSlots() > 0 ? new PrefixCache(cache) : null;
        this.allocator = new KvAllocator(cache, prefixCache);
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

    /** The KV cache (read-only use: its block counts, for tests and reports). */
    KvCache kvCache() {
        return cache;
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

    void enqueue(EngineTask task) {
        int need = task.blocksNeeded(cache.blockSize(), cache.slots());
        if (need > cache.blocks().capacity()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "request needs up to %d KV blocks "
                    + "(%,d MB: its prompt and max tokens), more than the whole KV cache holds (%d blocks, %,d MB); lower "
                    + "max tokens, or give the KV cache more memory", need, (need * cache.blockBytes()) >> 20,
                    cache.blocks().capacity(), (cache.blocks().capacity() * cache.blockBytes()) >> 20));
        }
        if (closed || death != null) {
            task.abort(failure());
            return;
        }
        queue.add(new Pending(task));
        if (closed || death != null) {
            drainQueue();
        }
    }

    /** Why requests fail now: the engine was closed, or its thread died. */
    private EngineFailureException failure() {
        Throwable d = death;
        return d != null ? new EngineFailureException("engine thread died: " + d, d)
                : new EngineFailureException("engine is closed", null);
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

    /** Counters and KV state; the KV figures are read without locking, so a report taken mid-step may be a step old. */
    public Stats stats() {
        long block = cache.blockBytes();
        return new Stats(promptTokens.get(), reusedPromptTokens.get(), outputTokens.get(), steps.get(), busyNanos.get(),
                completed.get(), activeCount, queue.size(), abandoned.get(), cache.blocks().capacity() * block,
                cache.blocks().peakInUse() * block, cache.blocks().inUse() * block, cache.copiedBytes(),
                prefixCache == null ? 0 : prefixCache.blocks());
    }

    private void run() {
        try {
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
            if (!closed) {
                death = new IllegalStateException("the engine thread was interrupted");
            }
        } catch (Throwable t) {
            if (!closed) {
                death = t;
            }
            throw t;
        } finally {
            // whatever ended the loop, no request may be left waiting
            EngineFailureException failure = failure();
            for (int i = active.size() - 1; i >= 0; i--) {
                abortQuietly(active.remove(i), failure);
            }
            prefilling.clear();
            activeCount = 0;
            drainQueue();
        }
    }

    /**
     * Drops abandoned tasks, then moves waiting tasks into free slots while their KV blocks can
     * be reserved, waiting briefly when there is no work at all. Returns whether anything is
     * active.
     */
    private boolean admit() throws InterruptedException {
        dropAbandoned();
        if (active.isEmpty()) {
            Pending first = queue.pollFirst(100, TimeUnit.MILLISECONDS);
            if (first == null || first.task() == null) {
                return false;
            }
            queue.putFirst(first);
        }
        while (!freeSlots.isEmpty()) {
            Pending p = queue.peekFirst();
            if (p == null) {
                break;
            }
            EngineTask t = p.task();
            if (t == null || t.abandoned()) {
                queue.pollFirst();
                if (t != null) {
                    abandoned.incrementAndGet();
                }
                continue;
            }
            try {
                if (!place(t)) {
                    break; // first come, first served: wait until enough blocks are free
                }
            } catch (RuntimeException | Error e) {
                // the request may be fine; the engine could not place it: fail it alone and free what it took
                release(t);
                t.abort(new EngineFailureException("admitting a request failed: " + e, e));
            }
            queue.pollFirst();
        }
        activeCount = active.size();
        return !active.isEmpty();
    }

    /**
     * Gives {@code t} a slot, its cached prefix and its block reservation, or returns false
     * (having taken nothing) when its blocks cannot be reserved yet.
     */
    private boolean place(EngineTask t) {
        PrefixCache.Match shared = prefixCache != null ? prefixCache.lookup(t.prompt)
                : new PrefixCache.Match(new int[0], -1, 0);
        int idleShared = 0;
        for (int b : shared.blocks()) {
            if (cache.blocks().refs(b) == 1) {
                idleShared++; // sharing it makes it no longer evictable
            }
        }
        if (shared.splitLength() > 0 && cache.blocks().refs(shared.splitBlock()) == 1) {
            idleShared++;
        }
        int need = t.blocksNeeded(cache.blockSize(), cache.slots()) - shared.blocks().length;
        if (need > allocator.claimable() - idleShared) {
            return false;
        }
        t.slot = takeSlot();
        for (int b : shared.blocks()) {
            cache.share(t.slot, b);
        }
        if (shared.splitLength() > 0) {
            cache.shareSplit(t.slot, shared.splitBlock(), shared.splitLength());
        }
        if (shared.blocks().length > 0) {
            prefixCache.used(t.prompt, shared.blocks().length);
        }
        allocator.reserve(t, need);
        t.fed = shared.positions(cache.blockSize());
        reusedPromptTokens.addAndGet(t.fed);
        active.add(t);
        prefilling.add(t);
        return true;
    }

    /** Retires tasks whose callers gave up on them; their slots and blocks are free for the next step. */
    private void dropAbandoned() {
        for (int i = active.size() - 1; i >= 0; i--) {
            if (active.get(i).abandoned()) {
                retire(i);
                abandoned.incrementAndGet();
            }
        }
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
            allocator.ensure(owner, slot, position);
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
        public void release(EngineTask owner, int slot) {
            allocator.releaseFork(owner, slot);
            freeSlots.set(slot);
        }

        @Override
        public void fork(EngineTask owner, int from, int to, int length) {
            allocator.fork(owner, from, to, length);
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
            if (t.abandoned()) {
                retire(i);
                abandoned.incrementAndGet();
            } else if (t.finished()) {
                retire(i);
                t.complete();
            }
        }
        activeCount = active.size();
    }

    private void retire(int index) {
        EngineTask t = active.remove(index);
        prefilling.remove(t);
        release(t);
        completed.incrementAndGet();
        outputTokens.addAndGet(t.outputTokens());
    }

    /** Frees a task's slots, blocks and what is left of its reservation. */
    private void release(EngineTask t) {
        if (t.slot >= 0) {
            cache.clear(t.slot);
            freeSlots.set(t.slot);
        }
        for (int s : t.heldSlots()) {
            cache.clear(s);
            freeSlots.set(s);
        }
        allocator.release(t);
    }

    private void failActive(EngineFailureException failure) {
        for (int i = active.size() - 1; i >= 0; i--) {
            EngineTask t = active.get(i);
            retire(i);
            t.abort(failure);
        }
        activeCount = 0;
    }

    private static void abortQuietly(EngineTask t, EngineFailureException failure) {
        try {
            t.abort(failure);
        } catch (RuntimeException | Error ignored) {
            // a task that cannot even be aborted must not keep the others waiting
        }
    }

    private void drainQueue() {
        Pending p;
        EngineFailureException failure = failure();
        while ((p = queue.poll()) != null) {
            if (p.task() != null) {
                abortQuietly(p.task(), failure);
            }
        }
    }

    /**
     * Stops the engine: the running step finishes, then running and waiting requests complete
     * exceptionally with {@link EngineFailureException} and the compute threads stop.
     */
    @Override
    public void close() {
        closed = true;
        queue.add(new Pending(null)); // wakes an idle loop; a running step is never interrupted
        boolean interrupted = false;
        while (loop.isAlive()) {
            try {
                loop.join();
            } catch (InterruptedException e) {
                interrupted = true; // the step still owns the compute pool: wait for it
            }
        }
        drainQueue();
        pool.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
