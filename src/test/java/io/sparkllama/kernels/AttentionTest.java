package io.sparkllama.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grouped attention kernels equal the one-head kernels bit for bit, and a plain scalar reference within rounding. */
class AttentionTest {
    @Test
    void groupedHeadsEqualSingleHeadsAndTheScalarReference() {
        Random rnd = new Random(7);
        for (int hs : new int[] {8, 12, 48, 64, 72}) {
            for (int n : new int[] {1, 7, 8, 16, 17, 33, 100}) {
                for (int heads : new int[] {1, 2, 3, 4, 5, 8}) {
                    int stride = n + 5;
                    float[] k = RandomMatrices.vector(hs * stride + 3, rnd);
                    float[] v = RandomMatrices.vector(n * (hs + 2) + 3, rnd);
                    float[] q = RandomMatrices.vector(heads * hs, rnd);
                    float[] grouped = new float[heads * n];
                    Attention.scores(k, 3, stride, q, 0, hs, heads, grouped, n);
                    float[] weights = RandomMatrices.vector(heads * n, rnd);
                    float[] outGrouped = new float[heads * hs];
                    Attention.weightedSum(v, 3, hs + 2, weights, n, hs, heads, outGrouped, 0);
                    for (int g = 0; g < heads; g++) {
                        float[] one = new float[n];
                        Attention.scores(k, 3, stride, q, g * hs, hs, 1, one, n);
                        float[] w = new float[n];
                        System.arraycopy(weights, g * n, w, 0, n);
                        float[] outOne = new float[hs];
                        Attention.weightedSum(v, 3, hs + 2, w, n, hs, 1, outOne, 0);
                        for (int t = 0; t < n; t++) {
                            assertEquals(Float.floatToRawIntBits(one[t]), Float.floatToRawIntBits(grouped[g * n + t]));
                            double ref = 0, mag = 0;
                            for (int d = 0; d < hs; d++) {
                                ref += (double) k[3 + d * stride + t] * q[g * hs + d];
                                mag += Math.abs((double) k[3 + d * stride + t] * q[g * hs + d]);
                            }
                            assertTrue(Math.abs(ref - one[t]) <= hs * 0x1p-24 * mag + 1e-30, "score " + t);
                        }
                        for (int c = 0; c < hs; c++) {
                            assertEquals(Float.floatToRawIntBits(outOne[c]), Float.floatToRawIntBits(outGrouped[g * hs + c]));
                            double ref = 0, mag = 0;
                            for (int t = 0; t < n; t++) {
                                ref += (double) v[3 + t * (hs + 2) + c] * w[t];
                                mag += Math.abs((double) v[3 + t * (hs + 2) + c] * w[t]);
                            }
                            assertTrue(Math.abs(ref - outOne[c]) <= n * 0x1p-24 * mag + 1e-30, "value " + c);
                        }
                    }
                }
            }
        }
    }

    /**
     * Attention through blocks of positions (a paged KV cache) is bit-identical to one
     * contiguous run and to the scalar fma chain: scores of each block into their place in the
     * row, weighted sums carried from block to block, for awkward block sizes and lengths.
     */
    @Test
    void blocksOfPositionsGiveTheContiguousResultBitForBit() {
        Random rnd = new Random(11);
        for (int hs : new int[] {8, 12, 64, 72}) {
            for (int n : new int[] {1, 15, 16, 17, 63, 100}) {
                for (int heads : new int[] {1, 3, 4, 8}) {
                    float[] k = RandomMatrices.vector(hs * n, rnd);
                    float[] v = RandomMatrices.vector(n * hs, rnd);
                    float[] q = RandomMatrices.vector(heads * hs, rnd);
                    float[] scores = new float[heads * n];
                    Attention.scores(k, 0, n, q, 0, hs, heads, scores, n);
                    float[] out = new float[heads * hs];
                    Attention.weightedSum(v, 0, hs, scores, n, hs, heads, out, 0);
                    for (int block : new int[] {1, 3, 16, 64}) {
                        float[] blockedScores = new float[heads * n];
                        float[] blockedOut = new float[heads * hs];
                        for (int from = 0; from < n; from += block) {
                            int len = Math.min(block, n - from);
                            // this block's keys as a paged cache holds them: [hs][block], positions along the row
                            float[] kb = new float[hs * block];
                            for (int d = 0; d < hs; d++) {
                                System.arraycopy(k, d * n + from, kb, d * block, len);
                            }
                            Attention.scores(kb, 0, block, q, 0, hs, heads, blockedScores, n, from, len);
                        }
                        for (int from = 0; from < n; from += block) {
                            int len = Math.min(block, n - from);
                            Attention.addWeighted(v, from * hs, hs, scores, n, from, len, hs, heads, blockedOut, 0);
                        }
                        String what = "hs " + hs + ", n " + n + ", heads " + heads + ", blocks of " + block;
                        for (int i = 0; i < scores.length; i++) {
                            assertEquals(Float.floatToRawIntBits(scores[i]), Float.floatToRawIntBits(blockedScores[i]), what);
                        }
                        for (int g = 0; g < heads; g++) {
                            for (int c = 0; c < hs; c++) {
                                float chain = 0f; // the documented order: positions in order, one fma each
                                for (int t = 0; t < n; t++) {
                                    chain = Math.fma(v[t * hs + c], scores[g * n + t], chain);
                                }
                                assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(out[g * hs + c]), what);
                                assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(blockedOut[g * hs + c]), what);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Scores are the plain fma chain over dimensions, bit for bit, for awkward position counts,
     * and whatever the key rows hold past the last position (NaN here) never reaches a score.
     */
    @Test
    void scoresAreFmaChainsAndIgnoreUnusedPositions() {
        Random rnd = new Random(11);
        for (int hs : new int[] {8, 64, 72}) {
            for (int n : new int[] {1, 7, 9, 31, 33, 72, 75, 100}) {
                for (int room : new int[] {0, 3, 31, 40}) {
                    for (int heads : new int[] {1, 4, 5}) {
                        int stride = n + room;
                        float[] k = RandomMatrices.vector(hs * stride + 3, rnd);
                        for (int d = 0; d < hs; d++) {
                            for (int t = n; t < stride; t++) {
                                k[3 + d * stride + t] = Float.NaN; // unused positions never reach a kept score
                            }
                        }
                        float[] q = RandomMatrices.vector(heads * hs, rnd);
                        float[] scores = new float[heads * n + 1];
                        scores[heads * n] = 42f;
                        Attention.scores(k, 3, stride, q, 0, hs, heads, scores, n);
                        for (int g = 0; g < heads; g++) {
                            for (int t = 0; t < n; t++) {
                                float chain = 0f;
                                for (int d = 0; d < hs; d++) {
                                    chain = Math.fma(k[3 + d * stride + t], q[g * hs + d], chain);
                                }
                                assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(scores[g * n + t]),
                                        "hs " + hs + " n " + n + " room " + room + " head " + g + " t " + t);
                            }
                        }
                        assertEquals(42f, scores[heads * n], "nothing written past the scores");
                    }
                }
            }
        }
    }
}
