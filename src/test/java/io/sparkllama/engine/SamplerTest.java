package io.sparkllama.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final SamplingParams BASE = new SamplingParams(1f, 0, 1f, 7, 16, List.of());

    @Test
    void greedyPicksTheFirstLargest() {
        float[] logits = {0.5f, 2f, -1f, 2f};
        assertEquals(1, new Sampler(4).sample(logits, 0, SamplingParams.GREEDY, new Rng(1)));
        float[] shifted = {9f, 9f, 0.5f, 2f, -1f, 2f};
        assertEquals(1, new Sampler(4).sample(shifted, 2, SamplingParams.GREEDY, new Rng(1)));
    }

    @Test
    void samplesFollowTheSoftmaxAtTheTemperature() {
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        int[] counts = new int[4];
        Sampler s = new Sampler(4);
        Rng rng = new Rng(123);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits, 0, BASE, rng)]++;
        }
        for (int i = 0; i < 4; i++) {
            assertEquals((i + 1) / 10.0, counts[i] / (double) n, 0.01, "token " + i);
        }
        // at temperature 0.5 the probabilities are squared: 1, 4, 9, 16 over 30
        counts = new int[4];
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits, 0, BASE.withTemperature(0.5f), rng)]++;
        }
        assertEquals(16 / 30.0, counts[3] / (double) n, 0.01);
        assertEquals(1 / 30.0, counts[0] / (double) n, 0.01);
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        float[] logits = {0f, 1f, 2f, 3f, 4f, 3f};
        Sampler s = new Sampler(6);
        Rng rng = new Rng(5);
        for (int i = 0; i < 2000; i++) {
            int t = s.sample(logits, 0, BASE.withTopK(2), rng);
            assertTrue(t == 4 || t == 3, "top-2 with a tie at the second place keeps the lower id: " + t);
        }
        // probabilities ~ e^4 : e^3 : e^3 ... : top-p 0.5 keeps only token 4 (p = 0.43) and token 3 (0.16)
        for (int i = 0; i < 2000; i++) {
            int t = s.sample(logits, 0, BASE.withTopP(0.5f), rng);
            assertTrue(t == 4 || t == 3, "top-p: " + t);
        }
        for (int i = 0; i < 2000; i++) {
            assertEquals(4, s.sample(logits, 0, BASE.withTopP(0.01f), rng));
            assertEquals(4, s.sample(logits, 0, BASE.withTopK(1), rng));
        }
    }

    @Test
    void topPOnAFlatDistributionKeepsTheLowestIdsAndStaysUniform() {
        float[] flat = new float[1000];
        Sampler s = new Sampler(1000);
        Rng rng = new Rng(11);
        int[] counts = new int[1000];
        for (int i = 0; i < 40_000; i++) {
            counts[s.sample(flat, 0, BASE.withTopP(0.5f), rng)]++;
        }
        for (int t = 0; t < 1000; t++) {
            if (t < 500) {
                assertTrue(counts[t] > 30 && counts[t] < 130, "token " + t + " drawn " + counts[t] + " times, expected ~80");
            } else {
                assertEquals(0, counts[t], "token " + t + " is outside the nucleus");
            }
        }
    }

    @Test
    void nucleusMatchesASortedReference() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 50;
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) {
                logits[i] = (float) (r.nextGaussian() * (trial % 4)) + (r.nextInt(4) == 0 ? 1f : 0f);
            }
            float p = 0.05f + 0.9f * r.nextFloat();
            // reference: sort by probability (desc), then id; keep until the cumulative mass reaches p
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
            }
            float[] w = new float[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                w[i] = io.sparkllama.kernels.Exp.exp((logits[i] - (float) max) * 1f);
                total += w[i];
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> w[a] != w[b] ? Float.compare(w[b], w[a]) : Integer.compare(a, b));
            java.util.Set<Integer> nucleus = new java.util.HashSet<>();
            double cum = 0;
            for (int i : order) {
                nucleus.add(i);
                cum += w[i];
                if (cum >= p * total) {
                    break;
                }
            }
            Sampler s = new Sampler(n);
            Rng rng = new Rng(trial);
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int k = 0; k < 400; k++) {
                int t = s.sample(logits, 0, BASE.withTopP(p), rng);
                assertTrue(nucleus.contains(t), "trial " + trial + ": token " + t + " is not in the nucleus " + nucleus);
                seen.add(t);
            }
            if (nucleus.size() <= 3) {
                assertEquals(nucleus, seen, "trial " + trial);
            }
        }
    }

    @Test
    void sameSeedSameTokens() {
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i * 0.37) * 3;
        }
        Sampler s = new Sampler(1000);
        for (SamplingParams p : List.of(BASE, BASE.withTopK(40), BASE.withTopP(0.9f), BASE.withTopK(50).withTopP(0.8f))) {
            Rng a = new Rng(99), b = new Rng(99);
            for (int i = 0; i < 200; i++) {
                assertEquals(s.sample(logits, 0, p, a), s.sample(logits, 0, p, b));
            }
        }
    }

    @Test
    void rngIsSplitMix64() {
        // reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c)
        Rng r = new Rng(0);
        assertEquals(0xe220a8397b1dcdafL, r.nextLong());
        assertEquals(0x6e789e6aa1b965f4L, r.nextLong());
        assertEquals(0x06c45d188009454fL, r.nextLong());
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> BASE.withTemperature(-1f));
        assertThrows(IllegalArgumentException.class, () -> BASE.withTemperature(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> BASE.withTopP(0f));
        assertThrows(IllegalArgumentException.class, () -> BASE.withTopP(1.5f));
        assertThrows(IllegalArgumentException.class, () -> BASE.withTopK(-1));
        assertThrows(IllegalArgumentException.class, () -> BASE.withMaxTokens(-1));
        assertThrows(IllegalArgumentException.class, () -> BASE.withStop(List.of("")));
    }
}
