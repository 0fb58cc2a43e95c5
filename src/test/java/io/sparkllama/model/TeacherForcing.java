package io.sparkllama.model;

import io.sparkllama.kernels.ComputePool;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs given token sequences through a model and keeps the logits of every position, with a
 * chosen batch composition: how many sequences run together (each in its own KV slot) and how
 * many of a sequence's tokens go into one step. One token per step and one sequence at a time
 * is a batch of one (the single-sequence kernels); anything else runs the batched kernels.
 */
final class TeacherForcing {
    private TeacherForcing() {
    }

    /** {@code [sequence][position * vocab + id]}: the logits after each position's token. */
    static float[][] logits(LlamaModel model, List<int[]> sequences, int together, int chunk, int threads) {
        int vocab = model.config().vocabSize();
        int longest = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        KvCache cache = KvCache.allocate(model.config(), together, longest, KvCache.Type.F32);
        int capacity = together * chunk;
        ForwardState state = model.newState(capacity, capacity);
        TokenBatch batch = new TokenBatch(capacity);
        float[][] out = new float[sequences.size()][];
        try (ComputePool pool = new ComputePool(threads, "teacher")) {
            for (int first = 0; first < sequences.size(); first += together) {
                List<Integer> group = new ArrayList<>();
                for (int s = first; s < Math.min(sequences.size(), first + together); s++) {
                    group.add(s);
                    out[s] = new float[sequences.get(s).length * vocab];
                }
                for (int pos = 0; pos < longest; pos += chunk) {
                    batch.clear();
                    List<int[]> rows = new ArrayList<>(); // {sequence, position}
                    for (int g = 0; g < group.size(); g++) {
                        int[] seq = sequences.get(group.get(g));
                        for (int p = pos; p < Math.min(seq.length, pos + chunk); p++) {
                            batch.add(seq[p], p, g, true);
                            rows.add(new int[] {group.get(g), p});
                        }
                    }
                    if (batch.size() == 0) {
                        break;
                    }
                    model.forward(batch, cache, state, pool);
                    for (int r = 0; r < rows.size(); r++) {
                        System.arraycopy(state.logits(), r * vocab, out[rows.get(r)[0]], rows.get(r)[1] * vocab, vocab);
                    }
                }
            }
        }
        return out;
    }
}
