package io.sparkllama.engine;

import java.util.List;

/**
 * Scores of a {@link ScoreRequest}'s continuations, in request order, or an error.
 *
 * @param contextTokens tokens of the context, BOS included
 * @param options       one score per continuation (empty on error)
 * @param error         what went wrong, or null
 */
public record ScoreResult(int contextTokens, List<OptionScore> options, String error) {

    public static ScoreResult error(String message, int contextTokens) {
        return new ScoreResult(contextTokens, List.of(), message);
    }

    /** Index of the most likely continuation (the first among equals). */
    public int best() {
        int best = 0;
        for (int i = 1; i < options.size(); i++) {
            if (options.get(i).logprob() > options.get(best).logprob()) {
                best = i;
            }
        }
        return best;
    }

    /** Softmax over the continuations' total log-likelihoods. */
    public double[] probabilities() {
        double max = options.get(best()).logprob();
        double[] p = new double[options.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = StrictMath.exp(options.get(i).logprob() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
