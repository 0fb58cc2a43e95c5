package io.sparkllama.engine;

import io.sparkllama.model.BlockPool;
import io.sparkllama.model.KvCache;

/**
 * Hands out KV blocks to the engine's tasks. A task is admitted only when the blocks it may
 * ever need (its prompt plus all the tokens it may generate or score, less the blocks it
 * shares from the prefix cache) can be reserved; it then takes blocks as its positions grow,
 * never more than it reserved, so a running task never finds the pool empty and nothing is
 * ever preempted. Cached prefix blocks count as available: the least recently used is evicted
 * when a block is taken from an otherwise empty pool. Engine thread only.
 */
final class KvAllocator {
    private final KvCache cache;
    private final BlockPool pool;
    private final PrefixCache prefixes;
    /** Blocks admitted tasks may still take. */
    private int reserved;

    KvAllocator(KvCache cache, PrefixCache prefixes) {
        this.cache = cache;
        this.pool = cache.blocks();
        this.prefixes = prefixes;
    }

    /** Blocks a new reservation may claim: free, plus cached and idle, minus what admitted tasks may still take. */
    int claimable() {
        return pool.available() + pool.idleCached() - reserved;
    }

    /** Blocks admitted tasks may still take. */
    int reserved() {
        return reserved;
    }

    /** Reserves {@code blocks} for {@code task}. */
    void reserve(EngineTask task, int blocks) {
        if (blocks > claimable()) {
            throw new IllegalStateException("reserving " + blocks + " KV blocks, " + claimable() + " claimable");
        }
        task.reservedBlocks += blocks;
        reserved += blocks;
    }

    /** Takes one block from {@code task}'s reservation. */
    int take(EngineTask task) {
        if (task.reservedBlocks <= 0) {
            throw new IllegalStateException("a task takes more KV blocks than it reserved");
        }
        task.reservedBlocks--;
        reserved--;
        if (pool.available() == 0 && (prefixes == null || !prefixes.evictOne())) {
            throw new IllegalStateException("no KV block to take although one was reserved: " + pool);
        }
        return pool.take();
    }

    /** Maps blocks into {@code slot} until it holds position {@code pos}. */
    void ensure(EngineTask task, int slot, int pos) {
        while (cache.mappedBlocks(slot) <= pos / cache.blockSize()) {
            cache.append(slot, take(task));
        }
    }

    /** Gives the empty {@code to} the first {@code length} positions of {@code from}, shared (see {@link KvCache#fork}). */
    void fork(EngineTask task, int from, int to, int length) {
        cache.fork(from, to, length, cache.forkCopies(from, length) ? take(task) : -1);
    }

    /**
     * Frees a slot forked from {@code task}'s prompt: its shared blocks lose a reference, and the
     * blocks it took go back to the pool and to the task's reservation (a later fork may take them).
     */
    void releaseFork(EngineTask task, int slot) {
        int own = cache.mappedBlocks(slot) - task.prompt.length / cache.blockSize();  // its blocks past the shared ones
        cache.clear(slot);
        task.reservedBlocks += own;
        reserved += own;
    }

    /** Returns what is left of {@code task}'s reservation. */
    void release(EngineTask task) {
        reserved -= task.reservedBlocks;
        task.reservedBlocks = 0;
    }
}
