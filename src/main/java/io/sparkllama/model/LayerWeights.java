package io.sparkllama.model;

import io.sparkllama.kernels.WeightMatrix;

/**
 * One transformer block: attention (RMSNorm weights, Q, K, V, output projections) and the
 * SwiGLU feed-forward (RMSNorm weights, gate = w1, down = w2, up = w3).
 */
public record LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                           float[] ffnNorm, WeightMatrix gate, WeightMatrix down, WeightMatrix up) {

    long bytes() {
        return 4L * (attnNorm.length + ffnNorm.length) + wq.bytes() + wk.bytes() + wv.bytes() + wo.bytes()
                + gate.bytes() + down.bytes() + up.bytes();
    }
}
