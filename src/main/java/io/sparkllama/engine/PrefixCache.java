package io.sparkllama.engine;

import io.sparkllama.model.KvCache;

/**
 * Recently prefilled prompts kept in reserved KV slots, so that a new prompt starting with the
 * same tokens (a long instruction shared by every row of a labeling job) copies that prefix's
 * keys and values instead of computing them again. A copied prefix holds exactly the values a
 * fresh prefill would compute (the forward pass does not depend on what else is batched), so
 * outputs do not change by a single bit. Least recently used entries are replaced. Engine
 * thread only.
 */
final class PrefixCache {
    private final KvCache cache;
    private final int firstSlot;
    private final int minTokens;
    private final int[][] tokens;
    private final long[] lastUse;
    private long clock;
    private long hits;
    private long reusedTokens;

    /**
     * @param firstSlot first of {@code entries} reserved slots of {@code cache}
     * @param minTokens shortest prefix worth copying
     */
    PrefixCache(KvCache cache, int firstSlot, int entries, int minTokens) {
        this.cache = cache;
        this.firstSlot = firstSlot;
        this.minTokens = minTokens;
        this.tokens = new int[entries][];
        this.lastUse = new long[entries];
    }

    /**
     * Copies into {@code slot} the longest cached prefix of {@code prompt}, leaving at least one
     * prompt token to feed (its logits are needed). Returns the number of positions copied.
     */
    int restore(int[] prompt, int slot) {
        int best = -1, bestLength = 0;
        for (int e = 0; e < tokens.length; e++) {
            if (tokens[e] == null) {
                continue;
            }
            int n = commonPrefix(tokens[e], prompt, prompt.length - 1);
            if (n > bestLength) {
                best = e;
                bestLength = n;
            }
        }
        if (best < 0 || bestLength < minTokens) {
            return 0;
        }
        cache.copyPrefix(firstSlot + best, slot, bestLength);
        lastUse[best] = ++clock;
        hits++;
        reusedTokens += bestLength;
        return bestLength;
    }

    /** Keeps {@code prompt}, now fully in {@code slot}, unless a cached entry already covers it. */
    void store(int[] prompt, int slot) {
        if (prompt.length < minTokens) {
            return;
        }
        int victim = 0;
        for (int e = 0; e < tokens.length; e++) {
            if (tokens[e] != null && commonPrefix(tokens[e], prompt, prompt.length) == prompt.length) {
                lastUse[e] = ++clock;
                return;
            }
            if (tokens[e] == null || (tokens[victim] != null && lastUse[e] < lastUse[victim])) {
                victim = e;
            }
        }
        tokens[victim] = null; // invalid while its KV is being overwritten
        cache.copyPrefix(slot, firstSlot + victim, prompt.length);
        tokens[victim] = prompt.clone();
        lastUse[victim] = ++clock;
    }

    private static int commonPrefix(int[] a, int[] b, int limit) {
        int n = Math.min(limit, Math.min(a.length, b.length));
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /** Forgets every entry (after an engine failure, whose step may have left any slot half written). */
    void clear() {
        java.util.Arrays.fill(tokens, null);
    }

    long hits() {
        return hits;
    }

    long reusedTokens() {
        return reusedTokens;
    }
}
