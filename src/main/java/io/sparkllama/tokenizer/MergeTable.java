package io.sparkllama.tokenizer;

import java.util.Arrays;

/**
 * The merge ranks of a byte-level BPE vocabulary keyed by the pair of symbol ids, in an
 * open-addressing hash table (280,000 merges for Llama 3, looked up for every adjacent pair).
 */
final class MergeTable {
    private final long[] keys;
    private final int[] ranks;
    private final int mask;

    MergeTable(int capacity) {
        int size = Integer.highestOneBit(Math.max(16, capacity * 2 - 1)) << 1;
        keys = new long[size];
        ranks = new int[size];
        Arrays.fill(keys, -1L);
        mask = size - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** Records a rank for a pair; a pair listed twice keeps its lowest rank. */
    void putLowest(int left, int right, int rank) {
        long k = key(left, right);
        for (int i = slot(k); ; i = (i + 1) & mask) {
            if (keys[i] == -1L) {
                keys[i] = k;
                ranks[i] = rank;
                return;
            }
            if (keys[i] == k) {
                ranks[i] = Math.min(ranks[i], rank);
                return;
            }
        }
    }

    /** The rank of a pair, or -1 when the pair does not merge. */
    int rank(int left, int right) {
        long k = key(left, right);
        for (int i = slot(k); ; i = (i + 1) & mask) {
            long stored = keys[i];
            if (stored == k) {
                return ranks[i];
            }
            if (stored == -1L) {
                return -1;
            }
        }
    }
}
