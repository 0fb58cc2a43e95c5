package io.sparkllama.model;

import java.util.Arrays;

/**
 * The blocks of a paged KV cache: ids {@code 0 .. capacity-1}, each with a reference count. A
 * block is free at count zero; taking one gives it count one; every block table that maps it
 * and the prefix cache each hold one reference. Storage for a block is created the first time
 * its id is taken, so memory grows with the tokens actually held, up to the capacity.
 *
 * <p>Blocks the prefix cache keeps are flagged "cached"; those whose only reference is the
 * cache's are idle and may be evicted to make room ({@link #idleCached()} counts them).
 * Engine thread only.
 */
public final class BlockPool {
    /** Creates the storage of a block the first time it is used. */
    interface Storage {
        void create(int block);
    }

    private final int capacity;
    private final Storage storage;
    private final int[] refs;
    private final boolean[] cached;
    private final int[] free;
    private int freeCount;
    private int created;
    private int inUse;
    private int peakInUse;
    private int idleCached;

    BlockPool(int capacity, Storage storage) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a KV cache needs at least one block, has " + capacity);
        }
        this.capacity = capacity;
        this.storage = storage;
        this.refs = new int[capacity];
        this.cached = new boolean[capacity];
        this.free = new int[capacity];
    }

    /** Most blocks the pool may hold. */
    public int capacity() {
        return capacity;
    }

    /** Blocks that can be taken without evicting anything. */
    public int available() {
        return freeCount + (capacity - created);
    }

    /** Blocks held by anyone (the prefix cache included). */
    public int inUse() {
        return inUse;
    }

    /** The most blocks held at once since the pool was made. */
    public int peakInUse() {
        return peakInUse;
    }

    /** Blocks whose storage exists. */
    public int created() {
        return created;
    }

    /** Cached blocks that nothing but the prefix cache references. */
    public int idleCached() {
        return idleCached;
    }

    /** References to {@code block}. */
    public int refs(int block) {
        return refs[block];
    }

    /**
     * Takes a free block (reference count one), creating its storage on first use.
     *
     * @throws IllegalStateException when none is available
     */
    public int take() {
        int b;
        if (freeCount > 0) {
            b = free[--freeCount];
        } else if (created < capacity) {
            b = created;
            storage.create(b);
            created++;
        } else {
            throw new IllegalStateException("no free KV block (" + capacity + " in use)");
        }
        refs[b] = 1;
        inUse++;
        peakInUse = Math.max(peakInUse, inUse);
        return b;
    }

    /** Adds a reference to a held block. */
    public void retain(int block) {
        check(block);
        if (cached[block] && refs[block] == 1) {
            idleCached--;
        }
        refs[block]++;
    }

    /** Drops a reference; the block is free again when none is left. */
    public void release(int block) {
        check(block);
        refs[block]--;
        if (cached[block] && refs[block] == 1) {
            idleCached++;
        }
        if (refs[block] == 0) {
            free[freeCount++] = block;
            inUse--;
        }
    }

    /** The prefix cache takes a reference to {@code block} and marks it cached. */
    public void cache(int block) {
        retain(block);
        cached[block] = true;
        if (refs[block] == 1) {
            idleCached++;
        }
    }

    /** The prefix cache drops its reference to {@code block}. */
    public void uncache(int block) {
        check(block);
        if (!cached[block]) {
            throw new IllegalStateException("KV block " + block + " is not cached");
        }
        if (refs[block] == 1) {
            idleCached--;
        }
        cached[block] = false;
        release(block);
    }

    private void check(int block) {
        if (block < 0 || block >= capacity || refs[block] <= 0) {
            throw new IllegalStateException("KV block " + block + " is not held (refs "
                    + (block >= 0 && block < capacity ? refs[block] : -1) + ")");
        }
    }

    @Override
    public String toString() {
        return "BlockPool[capacity " + capacity + ", in use " + inUse + ", created " + created + ", idle cached "
                + idleCached + ", free " + Arrays.toString(Arrays.copyOf(free, Math.min(freeCount, 8))) + "]";
    }
}
