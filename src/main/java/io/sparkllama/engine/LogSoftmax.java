package io.sparkllama.engine;

import io.sparkllama.kernels.Exp;

/**
 * Log-probabilities from logits, reproducibly: {@code logit[t] - max - log(sum exp(logit - max))}
 * with {@link Exp}, a double sum in token order and {@code StrictMath.log}. The same logits give
 * the same bits on every JVM. Holds a scratch row; not thread-safe.
 */
public final class LogSoftmax {
    private final float[] exps;

    public LogSoftmax(int vocabSize) {
        this.exps = new float[vocabSize];
    }

    /** The row's log-normalizer: {@code max + log(sum exp(logit - max))}. */
    public double logNormalizer(float[] logits, int offset, int n) {
        float max = logits[offset + Sampler.argmax(logits, offset, n)];
        Exp.exp(logits, offset, exps, 0, n, max, 1f);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += exps[i];
        }
        return max + StrictMath.log(sum);
    }

    /** {@code log p(token)} under the row. */
    public double logProb(float[] logits, int offset, int n, int token) {
        return logits[offset + token] - logNormalizer(logits, offset, n);
    }
}
