package io.sparkllama.model;

import io.sparkllama.kernels.Ops;

import java.util.Arrays;
import java.util.Locale;

/**
 * A paged key/value cache: a pool of blocks of {@code blockSize} positions (every layer's keys
 * and values of those positions), and a block table for each of a fixed number of sequence
 * slots. A slot maps its positions {@code p} to block {@code table[p / blockSize]}, offset
 * {@code p % blockSize}; it takes blocks as it grows, and may map blocks another slot or the
 * prefix cache also holds (reference counts in {@link BlockPool}). A slot only ever writes into
 * blocks it alone references; shared blocks are read-only. Attention for a token reads only
 * its own slot's table, so what other slots hold never changes a result.
 *
 * <p>A slot may also <em>split</em> one block index: its first {@code r} positions come from a
 * block it shares (a cached prompt that agrees with this one on those positions, or the
 * context a scoring continuation forks from), the rest from the slot's own block at the same
 * offsets. Offsets {@code [0, r)} of the own block stay unused: a prefix that ends inside a
 * block is shared without copying it and without computing it again.
 *
 * <p>Within a block, keys are stored transposed, {@code [layer][kvDim][blockSize]} (one row per
 * key dimension, positions along the row), so the scores of eight positions come from one
 * vector fma per key dimension with no horizontal sums: {@code score[t] = sum over d, in order,
 * of k[d][t] * q[d]}. Values are {@code [layer][blockSize][kvDim]}, and the weighted sum runs
 * over positions in order with the head dimensions in the lanes, carried from block to block.
 * Every output element is therefore the same fma chain whatever the block size: a paged cache
 * gives bit-identical attention to one contiguous array.
 */
public abstract class KvCache {
    /** Element type of the cache. */
    public enum Type {
        F32(4), F16(2);

        /** Bytes per cached element. */
        public final int bytes;

        Type(int bytes) {
            this.bytes = bytes;
        }

        /** Parses "f32" or "f16" (any case). */
        public static Type parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("KV cache type must be f32 or f16, not \"" + s + "\"");
            }
        }
    }

    /** Block size when none is configured: small enough that a short row wastes little, large enough for full vectors. */
    public static final int DEFAULT_BLOCK_SIZE = 32;

    protected final int layers;
    protected final int kvDim;
    protected final int headSize;
    protected final int kvGroup;
    protected final int blockSize;
    /** Elements of one layer in one block: {@code blockSize x kvDim}. */
    protected final int layerStride;
    private final int slots;
    private final int context;
    private final float scoreScale;
    private final BlockPool pool;
    private final int[][] tables;
    private final int[] mapped;
    /** Per slot: the split block index (-1: none), its shared block, and how many of its positions come from it. */
    private final int[] splitIndex;
    private final int[] splitBlock;
    private final int[] splitLength;
    private long copiedBytes;

    protected KvCache(LlamaConfig c, int slots, int context, int blockSize, int blocks) {
        this.layers = c.layers();
        this.kvDim = c.kvDim();
        this.headSize = c.headSize();
        this.kvGroup = c.kvGroup();
        this.blockSize = blockSize;
        this.layerStride = blockSize * kvDim;
        this.slots = slots;
        this.context = context;
        this.scoreScale = (float) Math.sqrt(headSize);
        this.pool = new BlockPool(blocks, this::createBlock);
        this.tables = new int[slots][blocksFor(context)];
        this.mapped = new int[slots];
        this.splitIndex = new int[slots];
        this.splitBlock = new int[slots];
        this.splitLength = new int[slots];
        Arrays.fill(splitIndex, -1);
    }

    /** Bytes of one block: layers x blockSize x kvDim x 2 (keys and values) x element size. */
    public static long blockBytes(LlamaConfig c, int blockSize, Type type) {
        return (long) c.layers() * blockSize * c.kvDim() * 2L * type.bytes;
    }

    /** Bytes one cached position takes: layers x kvDim x 2 x element size. */
    public static long bytesPerToken(LlamaConfig c, Type type) {
        return blockBytes(c, 1, type);
    }

    /**
     * Makes a paged cache of {@code blocks} blocks, whose storage is created as blocks are first
     * taken. The caller checks the bytes against its budget first.
     */
    public static KvCache paged(LlamaConfig c, int slots, int context, int blockSize, int blocks, Type type) {
        if (slots <= 0 || context <= 0 || blockSize <= 0 || blocks <= 0) {
            throw new IllegalArgumentException("KV cache needs at least one slot, position and block, got " + slots
                    + " slots, context " + context + ", blocks of " + blockSize + " x " + blocks);
        }
        if ((long) c.layers() * blockSize * c.kvDim() > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a KV block of " + blockSize + " positions x " + c.layers() + " layers x kv_dim "
                    + c.kvDim() + " exceeds a Java array; use a smaller block size");
        }
        return type == Type.F32 ? new F32KvCache(c, slots, context, blockSize, blocks)
                : new F16KvCache(c, slots, context, blockSize, blocks);
    }

    /**
     * A cache whose every slot holds blocks for its whole context from the start (for the
     * benchmark and for tests that drive the model directly, without an engine).
     */
    public static KvCache allocate(LlamaConfig c, int slots, int context, Type type, int blockSize) {
        int perSlot = (context + blockSize - 1) / blockSize;
        KvCache cache = paged(c, slots, context, blockSize, slots * perSlot, type);
        for (int s = 0; s < slots; s++) {
            for (int b = 0; b < perSlot; b++) {
                cache.append(s, cache.pool.take());
            }
        }
        return cache;
    }

    /** {@link #allocate(LlamaConfig, int, int, Type, int)} with the default block size. */
    public static KvCache allocate(LlamaConfig c, int slots, int context, Type type) {
        return allocate(c, slots, context, type, DEFAULT_BLOCK_SIZE);
    }

    public int slots() {
        return slots;
    }

    /** Positions a slot may hold. */
    public int context() {
        return context;
    }

    public int blockSize() {
        return blockSize;
    }

    public BlockPool blocks() {
        return pool;
    }

    public abstract Type type();

    /** Blocks needed for {@code positions} positions. */
    public int blocksFor(int positions) {
        return (positions + blockSize - 1) / blockSize;
    }

    /** Bytes of one block. */
    public long blockBytes() {
        return (long) layers * layerStride * 2L * type().bytes;
    }

    /** Bytes of KV copied between blocks since the cache was made. */
    public long copiedBytes() {
        return copiedBytes;
    }

    /** Blocks mapped by {@code slot}. */
    public int mappedBlocks(int slot) {
        return mapped[slot];
    }

    /** The block holding the {@code index}-th block of positions of {@code slot}. */
    public int block(int slot, int index) {
        if (index >= mapped[slot]) {
            throw new IllegalStateException("slot " + slot + " maps " + mapped[slot] + " blocks, not " + (index + 1));
        }
        return tables[slot][index];
    }

    /** Maps {@code block} after the blocks of {@code slot}; the slot takes over one reference held by the caller. */
    public void append(int slot, int block) {
        if (mapped[slot] == tables[slot].length) {
            throw new IllegalStateException("slot " + slot + " already maps its whole context");
        }
        tables[slot][mapped[slot]++] = block;
    }

    /** Maps {@code block} after the blocks of {@code slot}, adding a reference to it (a shared, full block). */
    public void share(int slot, int block) {
        pool.retain(block);
        append(slot, block);
    }

    /**
     * Makes the next block index of {@code slot} a split one: its first {@code length} positions
     * are read from {@code block} (one more reference to it); the slot's own block for that
     * index, appended next, holds the positions after them.
     */
    public void shareSplit(int slot, int block, int length) {
        if (splitIndex[slot] >= 0 || length <= 0 || length >= blockSize) {
            throw new IllegalStateException("slot " + slot + " cannot split a block at " + length + " positions");
        }
        pool.retain(block);
        splitIndex[slot] = mapped[slot];
        splitBlock[slot] = block;
        splitLength[slot] = length;
    }

    /** The split block index of {@code slot}, or -1. */
    public int splitIndex(int slot) {
        return splitIndex[slot];
    }

    /** Drops every block of {@code slot}. */
    public void clear(int slot) {
        for (int i = 0; i < mapped[slot]; i++) {
            pool.release(tables[slot][i]);
        }
        mapped[slot] = 0;
        if (splitIndex[slot] >= 0) {
            pool.release(splitBlock[slot]);
            splitIndex[slot] = -1;
        }
    }

    /**
     * Gives the empty slot {@code to} the first {@code length} positions of {@code from}: full
     * blocks by reference (a split of {@code from} among them is repeated), and a block that ends
     * inside by a split, with no copy. Only when {@code to} cannot split that block (it already
     * repeats a split, or {@code from} splits that very block) are its positions copied into
     * {@code fresh}; {@link #forkCopies} says when.
     */
    public void fork(int from, int to, int length, int fresh) {
        if (mapped[to] != 0 || splitIndex[to] >= 0) {
            throw new IllegalStateException("slot " + to + " is not empty");
        }
        int full = length / blockSize;
        int rest = length - full * blockSize;
        for (int i = 0; i < full; i++) {
            if (i == splitIndex[from]) {
                shareSplit(to, splitBlock[from], splitLength[from]);
            }
            share(to, block(from, i));
        }
        if (rest == 0) {
            return;
        }
        if (!forkCopies(from, length)) {
            shareSplit(to, block(from, full), rest);
            return;
        }
        int r = splitIndex[from] == full ? Math.min(splitLength[from], rest) : 0;
        if (r > 0) { // from reads [0, r) of this block from its shared split block, [r, rest) from its own
            copyPositions(splitBlock[from], 0, fresh, r);
        }
        copyPositions(block(from, full), r, fresh, rest - r);
        append(to, fresh);
    }

    /** Whether {@link #fork} of {@code length} positions from {@code from} copies a block (and so needs a fresh one). */
    public boolean forkCopies(int from, int length) {
        return length % blockSize != 0 && splitIndex[from] >= 0 && splitIndex[from] <= length / blockSize;
    }

    /** Copies positions {@code [at, at + n)} of every layer from one block to the same offsets of another. */
    private void copyPositions(int fromBlock, int at, int toBlock, int n) {
        Object fromKeys = keys(fromBlock), toKeys = keys(toBlock);
        Object fromValues = values(fromBlock), toValues = values(toBlock);
        for (int l = 0; l < layers; l++) {
            int base = l * layerStride;
            for (int d = 0; d < kvDim; d++) {
                System.arraycopy(fromKeys, base + d * blockSize + at, toKeys, base + d * blockSize + at, n);
            }
            System.arraycopy(fromValues, base + at * kvDim, toValues, base + at * kvDim, n * kvDim);
        }
        copiedBytes += (long) n * layers * kvDim * 2L * type().bytes;
    }

    /** The key array of a block ({@code float[]} or {@code short[]}, in the layout above). */
    protected abstract Object keys(int block);

    /** The value array of a block. */
    protected abstract Object values(int block);

    /** Creates the storage of a block (on its first use). */
    protected abstract void createBlock(int block);

    /** Stores the key and value of the token at {@code pos} of {@code slot} in {@code layer}. */
    final void store(int layer, int slot, int pos, float[] k, int ko, float[] v, int vo) {
        int index = pos / blockSize;
        if (index == splitIndex[slot] && pos % blockSize < splitLength[slot]) {
            throw new IllegalStateException("slot " + slot + " writes position " + pos + ", which it shares");
        }
        storeAt(layer, block(slot, index), pos % blockSize, k, ko, v, vo);
    }

    /** Stores a key and value at offset {@code t} of {@code block}. */
    protected abstract void storeAt(int layer, int block, int t, float[] k, int ko, float[] v, int vo);

    /**
     * Scores of the {@code kvGroup} query heads of key/value head {@code kvHead} against the
     * {@code len} positions of {@code block} from offset {@code at}: {@code scores[g*n + from +
     * t]}, each an fma chain over the head's dimensions in order.
     */
    abstract void scoreKeys(int layer, int block, int at, int kvHead, float[] q, int qo, float[] scores, int n, int from,
                            int len);

    /**
     * Adds to {@code out[oo + g*headSize ..]} the weighted values of the {@code len} positions
     * of {@code block} from offset {@code at}, with weights {@code scores[g*n + from + t]}, in
     * position order.
     */
    abstract void sumValues(int layer, int block, int at, int kvHead, float[] scores, int n, int from, int len, float[] out,
                            int oo);

    /**
     * Causal attention of the query heads sharing key/value head {@code kvHead}, for the token at
     * {@code pos} of {@code slot}: scaled dot products over positions {@code 0..pos}, softmax,
     * weighted sum of values. Each key and value is read once for the whole group.
     * {@code scores} holds at least {@code kvGroup * (pos + 1)} floats.
     */
    final void attend(int layer, int slot, int pos, int kvHead, float[] q, int qo, float[] out, int oo, float[] scores) {
        int n = pos + 1;
        forEachRange(slot, n, (block, at, from, len) -> scoreKeys(layer, block, at, kvHead, q, qo, scores, n, from, len));
        for (int i = 0; i < kvGroup * n; i++) {
            scores[i] /= scoreScale;
        }
        for (int g = 0; g < kvGroup; g++) {
            Ops.softmax(scores, g * n, n);
        }
        Arrays.fill(out, oo, oo + kvGroup * headSize, 0f);
        forEachRange(slot, n, (block, at, from, len) -> sumValues(layer, block, at, kvHead, scores, n, from, len, out, oo));
    }

    /** Positions {@code [from, from + len)} of a sequence, stored in {@code block} from offset {@code at}. */
    private interface Range {
        void visit(int block, int at, int from, int len);
    }

    /** Visits the stored ranges of positions {@code [0, n)} of {@code slot}, in position order. */
    private void forEachRange(int slot, int n, Range range) {
        int[] table = tables[slot];
        int split = splitIndex[slot];
        for (int i = 0, blocks = blocksFor(n); i < blocks; i++) {
            int from = i * blockSize, len = Math.min(blockSize, n - from), at = 0;
            if (i == split) {
                at = Math.min(splitLength[slot], len);
                range.visit(splitBlock[slot], 0, from, at);
            }
            if (at < len) {
                range.visit(table[i], at, from + at, len - at);
            }
        }
    }

    /** Query heads per key/value head. */
    final int kvGroup() {
        return kvGroup;
    }
}
