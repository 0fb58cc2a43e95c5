package io.sparkllama.model;

import io.sparkllama.engine.Sampler;
import io.sparkllama.kernels.ComputePool;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A sequence's logits are bit-identical whatever else is in the batch, whichever slot it uses,
 * how its prompt is chunked and how many threads run the step. Sixteen greedy sequences are
 * decoded alone (the reference), then mixed in batches of 3 and 16 with prompts prefilled in
 * chunks of 1, 5 or all tokens alongside other sequences' decode tokens, on 1 and 2 threads,
 * with shuffled slots; every logit of every step must match the reference bit for bit.
 */
class BatchInvarianceTest {
    private static final int NEW_TOKENS = 24;
    private static LoadedModel m;
    private static List<int[]> prompts;

    @BeforeAll
    static void load() throws Exception {
        m = ModelLoader.load(Shared.model("stories260K.gguf"), null);
        prompts = new ArrayList<>();
        String[] texts = {"", "Once upon a time", "Lily and Ben went to the park", "The little dog",
                "One day, a girl named Mia found a shiny", "Tom", "The sun was", "She wanted to play",
                "A big red ball", "Once", "In the forest there lived a small bear who", "The cat",
                "Mom said", "They went to the beach and", "Sam had a toy", "It was a sunny day"};
        for (String t : texts) {
            prompts.add(m.tokenizer().encode(t, true, false));
        }
    }

    /** Per sequence, the logits of every sampled step, concatenated. */
    private static float[][] run(int batchSize, int threads, int prefillChunk, long slotSeed) {
        LlamaModel model = m.model();
        int vocab = model.config().vocabSize();
        int n = prompts.size();
        KvCache cache = KvCache.allocate(model.config(), batchSize, 128, KvCache.Type.F32);
        ForwardState state = model.newState(batchSize * Math.max(prefillChunk, 1) + batchSize, batchSize);
        TokenBatch batch = new TokenBatch(batchSize * Math.max(prefillChunk, 1) + batchSize);
        float[][] logits = new float[n][NEW_TOKENS * vocab];
        int[] fed = new int[n], generated = new int[n], last = new int[n], slotOf = new int[n];
        Arrays.fill(slotOf, -1);
        List<Integer> freeSlots = new ArrayList<>();
        for (int s = 0; s < batchSize; s++) {
            freeSlots.add(s);
        }
        java.util.Collections.shuffle(freeSlots, new Random(slotSeed));
        int next = 0;
        List<Integer> active = new ArrayList<>();
        try (ComputePool pool = new ComputePool(threads, "inv")) {
            while (next < n || !active.isEmpty()) {
                while (active.size() < batchSize && next < n) {
                    slotOf[next] = freeSlots.remove(0);
                    active.add(next++);
                }
                batch.clear();
                int[] row = new int[n];
                Arrays.fill(row, -1);
                int[] feeding = new int[n];
                for (int seq : active) {
                    int[] p = prompts.get(seq);
                    if (fed[seq] < p.length) {
                        int k = Math.min(prefillChunk, p.length - fed[seq]);
                        for (int i = 0; i < k; i++) {
                            boolean lastPrompt = fed[seq] + i == p.length - 1;
                            int r = batch.add(p[fed[seq] + i], fed[seq] + i, slotOf[seq], lastPrompt);
                            if (lastPrompt) {
                                row[seq] = r;
                            }
                        }
                        feeding[seq] = k;
                    } else {
                        row[seq] = batch.add(last[seq], fed[seq], slotOf[seq], true);
                        feeding[seq] = 1;
                    }
                }
                model.forward(batch, cache, state, pool);
                for (int seq : new ArrayList<>(active)) {
                    fed[seq] += feeding[seq];
                    if (row[seq] >= 0) {
                        System.arraycopy(state.logits(), row[seq] * vocab, logits[seq], generated[seq] * vocab, vocab);
                        last[seq] = Sampler.argmax(state.logits(), row[seq] * vocab, vocab);
                        if (++generated[seq] == NEW_TOKENS) {
                            active.remove((Integer) seq);
                            freeSlots.add(slotOf[seq]);
                        }
                    }
                }
            }
        }
        return logits;
    }

    @Test
    void logitsDoNotDependOnBatchSlotChunkingOrThreads() {
        float[][] alone = run(1, 1, 64, 0);
        int[][] configs = {{3, 1, 5}, {3, 2, 1}, {16, 1, 64}, {16, 2, 5}, {16, 2, 1}, {1, 2, 3}};
        long seed = 1;
        for (int[] c : configs) {
            float[][] mixed = run(c[0], c[1], c[2], seed++);
            for (int seq = 0; seq < alone.length; seq++) {
                assertEquals(alone[seq].length, mixed[seq].length);
                for (int i = 0; i < alone[seq].length; i++) {
                    if (Float.floatToRawIntBits(alone[seq][i]) != Float.floatToRawIntBits(mixed[seq][i])) {
                        assertArrayEquals(alone[seq], mixed[seq], "sequence " + seq + " with batch " + c[0] + ", threads "
                                + c[1] + ", prefill chunk " + c[2] + ": first difference at step " + i / m.config().vocabSize());
                    }
                }
            }
        }
    }
}
