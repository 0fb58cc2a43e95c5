package io.sparkllama.engine;

import java.util.List;

/**
 * How one request picks its tokens and when it stops. Plain data, validated on construction.
 *
 * @param temperature 0 for greedy decoding, else logits are divided by it before softmax
 * @param topK        keep only the k most likely tokens (0 = all)
 * @param topP        keep the smallest set of most likely tokens whose probability reaches p (1 = all)
 * @param seed        seed of the request's own random stream
 * @param maxTokens   most new tokens to generate
 * @param stop        strings that end generation when they appear in the output (not included in it)
 */
public record SamplingParams(float temperature, int topK, float topP, long seed, int maxTokens, List<String> stop) {

    /** Greedy decoding of up to 256 tokens. */
    public static final SamplingParams GREEDY = new SamplingParams(0f, 0, 1f, 0L, 256, List.of());

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, is " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, is " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], is " + topP);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max_tokens must be >= 0, is " + maxTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, seed, maxTokens, stop);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, seed, maxTokens, stop);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, seed, maxTokens, stop);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, s, maxTokens, stop);
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(temperature, topK, topP, seed, n, stop);
    }

    public SamplingParams withStop(List<String> s) {
        return new SamplingParams(temperature, topK, topP, seed, maxTokens, s);
    }
}
