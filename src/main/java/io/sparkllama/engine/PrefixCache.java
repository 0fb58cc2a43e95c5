package io.sparkllama.engine;

import io.sparkllama.model.BlockPool;
import io.sparkllama.model.KvCache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Full KV blocks of recently prefilled prompts, kept by reference so that a new prompt starting
 * with the same tokens (the long instruction every row of a labeling job shares) maps those
 * blocks into its own table instead of computing or copying them. Blocks form a tree keyed by
 * their exact tokens: a block's node is found under its parent's node by the {@code blockSize}
 * tokens it holds, so a match is exact, never a hash that might collide. A shared block holds
 * exactly the values a fresh prefill would compute (the forward pass does not depend on what
 * else is batched), so outputs do not change by a single bit.
 *
 * <p>Only full blocks are cached: they are never written again. A prompt that diverges inside
 * a block shares that block's matching positions too, by a split (see {@link KvCache}): it
 * reads them from the cached block and writes its own positions from the same offset of a
 * block of its own, so sharing copies nothing and computes nothing twice. Cached blocks live
 * in KV memory no sequence is using; when the pool runs dry the least recently used leaf whose
 * block nothing else references is evicted. Engine thread only.
 */
final class PrefixCache {
    private final KvCache cache;
    private final BlockPool pool;
    private final int blockSize;
    /** The tree's root (no block), and the sentinel of the LRU list: {@code root.newer} is the oldest node. */
    private final Node root = new Node(null, null, -1);
    private int nodes;

    /** A cached block: its tokens, its KV block, its children by their tokens, and its place in the LRU list. */
    private static final class Node {
        final Node parent;
        final Key key;
        final int block;
        final Map<Key, Node> children = new HashMap<>();
        Node older;
        Node newer;

        Node(Node parent, Key key, int block) {
            this.parent = parent;
            this.key = key;
            this.block = block;
        }
    }

    /** The tokens of one block, compared by value. */
    private record Key(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }

    PrefixCache(KvCache cache) {
        this.cache = cache;
        this.pool = cache.blocks();
        this.blockSize = cache.blockSize();
        root.older = root;
        root.newer = root;
    }

    private Key key(int[] tokens, int block) {
        return new Key(Arrays.copyOfRange(tokens, block * blockSize, (block + 1) * blockSize));
    }

    /**
     * What a prompt can share: the blocks of its longest cached prefix of full blocks, and a
     * cached block whose first {@code splitLength} positions (0: none) continue it.
     */
    record Match(int[] blocks, int splitBlock, int splitLength) {
        /** Prompt positions the match covers. */
        int positions(int blockSize) {
            return blocks.length * blockSize + splitLength;
        }
    }

    /**
     * The longest cached prefix of {@code prompt}, leaving at least one prompt token to feed
     * (its logits are needed). Nothing is referenced yet: the caller shares what it uses and
     * then calls {@link #used}.
     */
    Match lookup(int[] prompt) {
        int limit = prompt.length - 1;
        List<Node> path = path(prompt, limit / blockSize);
        int[] blocks = new int[path.size()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = path.get(i).block;
        }
        // the child of the last full match that agrees longest with what follows
        Node last = path.isEmpty() ? root : path.get(path.size() - 1);
        int start = blocks.length * blockSize, best = 0, bestBlock = -1;
        int most = Math.min(blockSize - 1, limit - start);
        for (Node child : last.children.values()) {
            int[] t = child.key.tokens();
            int n = 0;
            while (n < most && t[n] == prompt[start + n]) {
                n++;
            }
            if (n > best) {
                best = n;
                bestBlock = child.block;
            }
        }
        return new Match(blocks, bestBlock, best);
    }
    /** Records that the first {@code blocks} cached blocks of {@code prompt} were reused. */
    void used(int[] prompt, int blocks) {
        List<Node> path = path(prompt, blocks);
        for (int i = path.size() - 1; i >= 0; i--) {
            touch(path.get(i)); // leaves first, so a parent is always more recent than its children
        }
    }

    private List<Node> path(int[] prompt, int limit) {
        List<Node> path = new ArrayList<>();
        Node n = root;
        for (int b = 0; b < limit; b++) {
            n = n.children.get(key(prompt, b));
            if (n == null) {
                break;
            }
            path.add(n);
        }
        return path;
    }

    /**
     * Keeps the full blocks of {@code prompt}, now all in {@code slot}, up to a split one. A block already cached
     * under the same tokens is kept as it is; the slot's blocks below a node whose block is not
     * the slot's own are not added (every cached path is then the block table of whoever holds
     * its last block, which makes an idle block's descendants idle too).
     */
    void store(int[] prompt, int slot) {
        int split = cache.splitIndex(slot);
        int full = split >= 0 ? split : prompt.length / blockSize; // a split block is not the slot's alone
        Node n = root;
        List<Node> path = new ArrayList<>();
        for (int b = 0; b < full; b++) {
            Key k = key(prompt, b);
            Node child = n.children.get(k);
            int own = cache.block(slot, b);
            if (child == null) {
                if (n != root && n.block != cache.block(slot, b - 1)) {
                    break;
                }
                child = new Node(n, k, own);
                n.children.put(k, child);
                pool.cache(own);
                nodes++;
                link(child);
            }
            path.add(child);
            n = child;
        }
        for (int i = path.size() - 1; i >= 0; i--) {
            touch(path.get(i));
        }
    }

    /**
     * Frees the least recently used cached block that nothing but the cache references and that
     * has no cached children. Returns false when there is none.
     */
    boolean evictOne() {
        for (Node n = root.newer; n != root; n = n.newer) {
            if (n.children.isEmpty() && pool.refs(n.block) == 1) {
                remove(n);
                return true;
            }
        }
        return false;
    }

    private void remove(Node n) {
        n.parent.children.remove(n.key);
        unlink(n);
        pool.uncache(n.block);
        nodes--;
    }

    /** Forgets every entry (after an engine failure). */
    void clear() {
        while (root.newer != root) {
            Node n = root.newer;
            unlink(n);
            pool.uncache(n.block);
        }
        root.children.clear();
        nodes = 0;
    }

    private void touch(Node n) {
        unlink(n);
        link(n);
    }

    /** Inserts as the most recent. */
    private void link(Node n) {
        n.older = root.older;
        n.newer = root;
        root.older.newer = n;
        root.older = n;
    }

    private void unlink(Node n) {
        n.older.newer = n.newer;
        n.newer.older = n.older;
    }

    /** Blocks the cache references. */
    int blocks() {
        return nodes;
    }
}
