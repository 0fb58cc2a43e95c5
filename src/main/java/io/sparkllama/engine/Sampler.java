package io.sparkllama.engine;

import io.sparkllama.kernels.Exp;

import java.util.Arrays;

/**
 * Picks the next token from logits: greedy at temperature 0; otherwise top-k, softmax at the
 * temperature, top-p (nucleus) and one draw from the request's own random stream. Every step is
 * deterministic (ties go to the lower token id, {@link Exp} for the exponential, sums in a fixed
 * order), so a seed gives the same tokens on every JVM. Linear in the vocabulary: the nucleus is
 * found by a radix select over the probabilities' bits, not by sorting them, which matters when a
 * distribution is flat and nearly every token is in it. Holds scratch arrays for one vocabulary;
 * one per engine loop, not thread-safe.
 */
public final class Sampler {
    private static final int BUCKETS = 1 << 11;

    private final int vocabSize;
    private final int[] candidates;
    private final float[] weights;
    private final long[] heap;
    private final int[] members;
    private final double[] bucketMass = new double[BUCKETS];

    public Sampler(int vocabSize) {
        this.vocabSize = vocabSize;
        this.candidates = new int[vocabSize];
        this.weights = new float[vocabSize];
        this.heap = new long[vocabSize];
        this.members = new int[vocabSize];
    }

    /** Index of the largest logit, the lowest index among equals. */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        float max = logits[off];
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > max) {
                max = logits[off + i];
                best = i;
            }
        }
        return best;
    }

    /** Samples a token from {@code logits[off .. off+vocabSize)}; the logits are not modified. */
    public int sample(float[] logits, int off, SamplingParams p, Rng rng) {
        if (p.temperature() == 0f) {
            return argmax(logits, off, vocabSize);
        }
        float inverseTemperature = 1f / p.temperature();
        int n;
        if (p.topK() > 0 && p.topK() < vocabSize) {
            n = topK(logits, off, p.topK());
            float max = logits[off + candidates[0]];
            for (int i = 0; i < n; i++) {
                weights[i] = Exp.exp((logits[off + candidates[i]] - max) * inverseTemperature);
            }
        } else {
            n = vocabSize;
            for (int i = 0; i < n; i++) {
                candidates[i] = i;
            }
            float max = logits[off + argmax(logits, off, vocabSize)];
            Exp.exp(logits, off, weights, 0, n, max, inverseTemperature);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += weights[i];
        }
        if (p.topP() >= 1f) {
            return draw(n, rng.nextFloat() * total, -1, Integer.MAX_VALUE);
        }
        return nucleus(n, p.topP() * total, rng);
    }

    /** Walks the candidates in order until the cumulative weight passes {@code r}; see {@link #nucleus} for the cut. */
    private int draw(int n, double r, int boundaryBits, int boundaryTaken) {
        double cdf = 0;
        int last = candidates[0];
        int ties = 0;
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(weights[i]);
            if (boundaryBits >= 0 && (bits < boundaryBits || (bits == boundaryBits && ties++ >= boundaryTaken))) {
                continue;
            }
            cdf += weights[i];
            last = candidates[i];
            if (r < cdf) {
                return candidates[i];
            }
        }
        return last; // r fell past the last kept candidate by rounding
    }

    /**
     * Top-p: the smallest set of most likely candidates (ties to the lower id, i.e. earlier in
     * candidate order) whose weight reaches {@code target}, then one draw among them. The set is
     * "every weight above a boundary value, plus the first few candidates equal to it"; the
     * boundary is found by a radix select over the weights' bits (non-negative floats order like
     * their bit patterns), 11 + 10 + 10 bits, each level only looking at the previous level's
     * boundary bucket.
     */
    private int nucleus(int n, double target, Rng rng) {
        int m = 0;
        for (int i = 0; i < n; i++) {
            members[m++] = i;
        }
        double above = 0;
        int[] shifts = {20, 10, 0};
        int[] masks = {0x7FF, 0x3FF, 0x3FF};
        int prefix = 0;
        for (int level = 0; level < 3; level++) {
            int shift = shifts[level], mask = masks[level];
            for (int j = 0; j < m; j++) {
                int i = members[j];
                bucketMass[(Float.floatToRawIntBits(weights[i]) >>> shift) & mask] += weights[i];
            }
            int boundary = 0;
            for (int key = mask; key >= 0; key--) {
                if (bucketMass[key] > 0 && above + bucketMass[key] >= target) {
                    boundary = key;
                    break;
                }
                above += bucketMass[key];
            }
            Arrays.fill(bucketMass, 0, mask + 1, 0.0);
            prefix |= boundary << shift;
            int kept = 0;
            for (int j = 0; j < m; j++) {
                int i = members[j];
                if (((Float.floatToRawIntBits(weights[i]) >>> shift) & mask) == boundary) {
                    members[kept++] = i;
                }
            }
            m = kept;
        }
        // members now all weigh exactly Float.intBitsToFloat(prefix); take them in order until the target is reached
        float v = Float.intBitsToFloat(prefix);
        int taken = 0;
        double mass = above;
        while (taken < m && mass < target) {
            mass += v;
            taken++;
        }
        if (taken == 0) {
            taken = 1; // the target was already met above the boundary only by rounding; keep one
            mass += v;
        }
        return draw(n, rng.nextFloat() * mass, prefix, taken);
    }

    /** Float to an int with the same order (for sorting keys). */
    private static int orderedBits(float f) {
        int b = Float.floatToIntBits(f);
        return b ^ ((b >> 31) & 0x7FFFFFFF);
    }

    /** Sort key: descending value, then ascending id. */
    private static long descendingKey(float value, int id) {
        return ((long) ~orderedBits(value) << 32) | (id & 0xFFFFFFFFL);
    }

    /** Puts the k highest logits' ids into candidates[0..k), best first (ties: lower id first); returns k. */
    private int topK(float[] logits, int off, int k) {
        // max-heap of the k smallest keys (= the k best tokens), root is the worst kept
        int size = 0;
        for (int i = 0; i < vocabSize; i++) {
            long key = descendingKey(logits[off + i], i);
            if (size < k) {
                heap[size] = key;
                siftUp(heap, size++);
            } else if (key < heap[0]) {
                heap[0] = key;
                siftDown(heap, 0, size);
            }
        }
        Arrays.sort(heap, 0, k);
        for (int i = 0; i < k; i++) {
            candidates[i] = (int) heap[i];
        }
        return k;
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (h[parent] >= h[i]) {
                return;
            }
            long t = h[parent];
            h[parent] = h[i];
            h[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int i, int size) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, largest = i;
            if (l < size && h[l] > h[largest]) {
                largest = l;
            }
            if (r < size && h[r] > h[largest]) {
                largest = r;
            }
            if (largest == i) {
                return;
            }
            long t = h[largest];
            h[largest] = h[i];
            h[i] = t;
            i = largest;
        }
    }
}
