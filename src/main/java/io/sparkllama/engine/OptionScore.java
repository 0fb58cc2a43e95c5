package io.sparkllama.engine;

/**
 * The log-likelihood of one continuation after its context.
 *
 * @param tokens        the continuation's token ids
 * @param tokenLogprobs {@code log p(token i | context, tokens before i)} for each token
 * @param logprob       their sum
 * @param greedy        whether greedy decoding from the context produces exactly these tokens
 */
public record OptionScore(int[] tokens, double[] tokenLogprobs, double logprob, boolean greedy) {

    /** {@code exp(-logprob / tokens)}. */
    public double perplexity() {
        return StrictMath.exp(-logprob / tokens.length);
    }
}
