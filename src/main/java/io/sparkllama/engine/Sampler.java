package io.sparkllama.engine;

import io.sparkllama.kernels.Exp;

import java.util.Arrays;

/**
 * Picks the next token from logits: greedy at temperature 0; otherwise top-k, softmax at the
 * temperature, top-p (nucleus) and one draw from the request's own random stream. Ties are
 * broken by the lower token id and the exponential is {@link Exp}, so a seed gives the same
 * tokens on every JVM. Holds scratch arrays for one vocabulary; one per engine loop, not
 * thread-safe.
 */
public final class Sampler {
    private final int vocabSize;
    private final int[] candidates;
    private final float[] weights;
    private final long[] keys;

    public Sampler(int vocabSize) {
        this.vocabSize = vocabSize;
        this.candidates = new int[vocabSize];
        this.weights = new float[vocabSize];
        this.keys = new long[vocabSize];
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
        int n;
        if (p.topK() > 0 && p.topK() < vocabSize) {
            n = topK(logits, off, p.topK());
        } else {
            n = vocabSize;
            for (int i = 0; i < n; i++) {
                candidates[i] = i;
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + candidates[i]]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float w = Exp.exp((logits[off + candidates[i]] - max) / p.temperature());
            weights[i] = w;
            sum += w;
        }
        float mass = sum;
        if (p.topP() < 1f) {
            n = nucleus(n, sum, p.topP());
            mass = 0f;
            for (int i = 0; i < n; i++) {
                mass += weights[i];
            }
        }
        float r = rng.nextFloat() * mass;
        float cdf = 0f;
        for (int i = 0; i < n; i++) {
            cdf += weights[i];
            if (r < cdf) {
                return candidates[i];
            }
        }
        return candidates[n - 1]; // r fell past the last bucket by rounding
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

    /** Puts the k highest logits' ids into candidates[0..k), best first; returns k. */
    private int topK(float[] logits, int off, int k) {
        // max-heap of the k smallest keys (= the k best tokens), root is the worst kept
        long[] heap = keys;
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

    /**
     * Keeps the smallest set of most likely candidates whose weight reaches {@code topP} of
     * {@code sum}, sorted by decreasing weight. Like llama2.c, candidates below
     * {@code (1 - topP) / (n - 1)} of the mass are dropped before sorting: together they hold
     * less than {@code 1 - topP}, so they can never be needed.
     */
    private int nucleus(int n, float sum, float topP) {
        float cutoff = n > 1 ? (1f - topP) / (n - 1) * sum : 0f;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] >= cutoff) {
                keys[kept++] = descendingKey(weights[i], i);
            }
        }
        if (kept == 0) { // only when topP < 1/n: keep the most likely candidate
            int best = 0;
            for (int i = 1; i < n; i++) {
                best = weights[i] > weights[best] ? i : best;
            }
            keys[kept++] = descendingKey(weights[best], best);
        }
        Arrays.sort(keys, 0, kept);
        int[] ids = new int[kept];
        float[] ws = new float[kept];
        float target = topP * sum;
        float cumulative = 0f;
        int count = kept;
        for (int i = 0; i < kept; i++) {
            int idx = (int) keys[i];
            ids[i] = candidates[idx];
            ws[i] = weights[idx];
            cumulative += ws[i];
            if (cumulative >= target) {
                count = i + 1;
                break;
            }
        }
        System.arraycopy(ids, 0, candidates, 0, count);
        System.arraycopy(ws, 0, weights, 0, count);
        return count;
    }
}
