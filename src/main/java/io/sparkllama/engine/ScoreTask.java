package io.sparkllama.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Scores continuations of a context by teacher forcing. The context is prefilled once; its last
 * logits give every continuation's first-token log-probability. Continuations of two or more
 * tokens then run side by side: one in the context's own slot (its tokens go after the context,
 * which they never overwrite), the others in extra slots, as slots are free, that share the
 * context's full KV blocks and get a copy of its last partial block. Each continuation feeds its tokens but the last, and the logits after
 * token i give the log-probability of token i+1.
 */
final class ScoreTask extends EngineTask {
    private final int[][] options;
    private final double[][] logprobs;
    private final boolean[] greedy;
    /** Slot each option runs in (-1: not started), and tokens of it fed so far. */
    private final int[] optionSlot;
    private final int[] optionFed;
    private final int[] optionScored;
    private final CompletableFuture<ScoreResult> future;
    private final LogSoftmax logSoftmax;
    private final int vocab;
    private boolean contextScored;
    private boolean primaryBusy;

    ScoreTask(ScoreRequest r, int contextLimit, int vocab, LogSoftmax logSoftmax, CompletableFuture<ScoreResult> future) {
        super(r.context());
        this.options = r.continuations().toArray(new int[0][]);
        for (int[] o : options) {
            if (r.context().length + o.length - 1 > contextLimit) {
                throw new IllegalArgumentException("context and continuation have " + (r.context().length + o.length)
                        + " tokens, more than the context of " + contextLimit + " allows");
            }
        }
        this.logprobs = new double[options.length][];
        this.greedy = new boolean[options.length];
        this.optionSlot = new int[options.length];
        this.optionFed = new int[options.length];
        this.optionScored = new int[options.length];
        for (int i = 0; i < options.length; i++) {
            logprobs[i] = new double[options[i].length];
            greedy[i] = true;
            optionSlot[i] = -1;
        }
        this.future = future;
        this.logSoftmax = logSoftmax;
        this.vocab = vocab;
    }

    /** Scores {@code next} from a row of logits. */
    private void score(int option, int index, float[] logits, int offset) {
        int token = options[option][index];
        logprobs[option][index] = logSoftmax.logProb(logits, offset, vocab, token);
        if (Sampler.argmax(logits, offset, vocab) != token) {
            greedy[option] = false;
        }
        optionScored[option] = index + 1;
    }

    @Override
    void promptDone(float[] logits, int offset, Sampler sampler) {
        for (int o = 0; o < options.length; o++) {
            score(o, 0, logits, offset);
        }
        contextScored = true;
    }

    @Override
    void plan(Planner planner) {
        for (int o = 0; o < options.length && planner.budget() > 0; o++) {
            int remaining = options[o].length - 1 - optionFed[o];
            if (remaining <= 0) {
                continue;
            }
            if (optionSlot[o] < 0) {
                if (!primaryBusy) {
                    optionSlot[o] = slot;
                    primaryBusy = true;
                } else {
                    int s = planner.acquire();
                    if (s < 0) {
                        continue;
                    }
                    planner.fork(this, slot, s, prompt.length);
                    optionSlot[o] = s;
                }
            }
            for (int i = 0; i < remaining; i++) {
                int pos = prompt.length + optionFed[o];
                if (!planner.add(this, o, options[o][optionFed[o]], pos, optionSlot[o], true, true)) {
                    break;
                }
                optionFed[o]++;
            }
        }
    }

    @Override
    void onLogits(int option, float[] logits, int offset, Sampler sampler) {
        score(option, optionScored[option], logits, offset);
    }

    @Override
    void stepDone(Planner planner) {
        for (int o = 0; o < options.length; o++) {
            if (optionSlot[o] >= 0 && optionScored[o] == options[o].length) {
                if (optionSlot[o] == slot) {
                    primaryBusy = false;
                } else {
                    planner.release(this, optionSlot[o]);
                }
                optionSlot[o] = -2; // done
            }
        }
    }

    @Override
    boolean finished() {
        if (!contextScored) {
            return false;
        }
        for (int o = 0; o < options.length; o++) {
            if (optionScored[o] < options[o].length) {
                return false;
            }
        }
        return true;
    }

    @Override
    int blocksNeeded(int blockSize, int slots) {
        int[] forks = new int[options.length];
        int longest = 0, k = 0;
        for (int[] o : options) {
            if (o.length > 1) { // a forked continuation: its copied partial block and the blocks of its own tokens
                forks[k++] = blocks(prompt.length + o.length - 1L, blockSize) - prompt.length / blockSize;
                longest = Math.max(longest, o.length);
            }
        }
        int together = Math.min(k, slots);
        if (together <= 1) { // one at a time, after the context in its own slot
            return blocks(prompt.length + Math.max(0, longest - 1L), blockSize);
        }
        Arrays.sort(forks, 0, k);
        int n = blocks(prompt.length, blockSize);
        for (int i = k - together; i < k; i++) {
            n += forks[i]; // a finished fork gives its blocks back for the next one
        }
        return n;
    }

    @Override
    boolean abandoned() {
        return future.isDone();
    }

    @Override
    int[] heldSlots() {
        List<Integer> held = new ArrayList<>();
        for (int s : optionSlot) {
            if (s >= 0 && s != slot) {
                held.add(s);
            }
        }
        return held.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    void complete() {
        List<OptionScore> scores = new ArrayList<>();
        for (int o = 0; o < options.length; o++) {
            double sum = 0;
            for (double lp : logprobs[o]) {
                sum += lp;
            }
            scores.add(new OptionScore(options[o].clone(), logprobs[o], sum, greedy[o]));
        }
        future.complete(new ScoreResult(prompt.length, scores, null));
    }

    @Override
    void abort(EngineFailureException failure) {
        future.completeExceptionally(failure);
    }

    @Override
    int outputTokens() {
        int n = 0;
        for (int[] o : options) {
            n += o.length;
        }
        return n;
    }
}
