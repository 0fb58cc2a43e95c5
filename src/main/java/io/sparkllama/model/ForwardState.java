package io.sparkllama.model;

/**
 * Scratch buffers of the forward pass for up to {@code maxTokens} tokens per step, and the
 * logits of up to {@code maxLogits} of them. Activation rows are {@code dim} (or
 * {@code hiddenDim}) floats apart, one per token of the batch. One per engine loop; not
 * thread-safe.
 */
public final class ForwardState {
    final int maxTokens;
    final int maxLogits;
    final float[] x;
    final float[] xb;
    final float[] xb2;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] att;
    final float[] hb;
    final float[] hb2;
    final float[] finalRows;
    final float[] logits;

    ForwardState(LlamaConfig c, int maxTokens, int maxLogits) {
        if (maxTokens <= 0 || maxLogits <= 0) {
            throw new IllegalArgumentException("forward state needs room for at least one token and one logits row");
        }
        this.maxTokens = maxTokens;
        this.maxLogits = maxLogits;
        int dim = c.dim();
        x = new float[maxTokens * dim];
        xb = new float[maxTokens * dim];
        xb2 = new float[maxTokens * dim];
        q = new float[maxTokens * dim];
        k = new float[maxTokens * c.kvDim()];
        v = new float[maxTokens * c.kvDim()];
        att = new float[maxTokens * dim];
        hb = new float[maxTokens * c.hiddenDim()];
        hb2 = new float[maxTokens * c.hiddenDim()];
        finalRows = new float[maxLogits * dim];
        logits = new float[(int) Math.min(Integer.MAX_VALUE - 64, (long) maxLogits * c.vocabSize())];
    }

    /** Logits of the last step: row {@code r} (as returned by {@link TokenBatch#add}) at {@code r * vocabSize}. */
    public float[] logits() {
        return logits;
    }

    /** Bytes of the buffers. */
    public long bytes() {
        return 4L * (x.length + xb.length + xb2.length + q.length + k.length + v.length + att.length + hb.length
                + hb2.length + finalRows.length + logits.length);
    }
}
