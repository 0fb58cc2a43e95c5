package io.sparkllama.model;

import io.sparkllama.kernels.ComputePool;
import io.sparkllama.kernels.Ops;
import io.sparkllama.kernels.Parallel;
import io.sparkllama.kernels.WeightMatrix;

/**
 * A Llama 2 model: configuration, weights and the forward pass over a batch of tokens from any
 * number of sequences.
 *
 * <p>Per layer, for every token of the batch: RMSNorm, Q/K/V projections (one pass over each
 * weight matrix for the whole batch), rotary embedding, K/V stored in the token's slot, causal
 * attention over the slot (grouped-query heads share K/V), output projection and residual; then
 * RMSNorm, SwiGLU feed-forward and residual. Finally RMSNorm and the output head, only for the
 * tokens whose logits are wanted. Immutable and thread-safe; the mutable state lives in
 * {@link KvCache} and {@link ForwardState}.
 */
public final class LlamaModel {
    /** Multiply-adds below which attention runs on the calling thread. */
    private static final long MIN_PARALLEL_ATTENTION = 1 << 15;
    /** Activations below which per-token operations (norms, rotary, SwiGLU) run on the calling thread. */
    private static final long MIN_PARALLEL_ELEMENTWISE = 1 << 14;
    private static final ComputePool SERIAL = new ComputePool(1, "serial");

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final RopeTable rope;

    public LlamaModel(LlamaConfig config, LlamaWeights weights) {
        this.config = config;
        this.weights = weights;
        this.rope = new RopeTable(config.contextLength(), config.ropeDim(), config.ropeTheta(), config.ropeScale(),
                weights.ropeFactors());
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    /** Scratch for steps of up to {@code maxTokens} tokens, {@code maxLogits} of them with logits. */
    public ForwardState newState(int maxTokens, int maxLogits) {
        return new ForwardState(config, maxTokens, maxLogits);
    }

    /**
     * Runs one step. Writes every token's K/V into its slot of {@code cache} and the logits of
     * the tokens that want them into {@code state.logits()}.
     */
    public void forward(TokenBatch batch, KvCache cache, ForwardState s, ComputePool pool) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        check(batch, cache, s);
        int maxPosition = 0;
        for (int i = 0; i < n; i++) {
            maxPosition = Math.max(maxPosition, batch.position(i));
        }
        rope.ensure(maxPosition + 1);
        LlamaConfig c = config;
        int dim = c.dim(), kvDim = c.kvDim(), hidden = c.hiddenDim(), hs = c.headSize(), heads = c.heads();
        ComputePool tokenPool = (long) n * hidden < MIN_PARALLEL_ELEMENTWISE ? SERIAL : pool;

        for (int i = 0; i < n; i++) {
            weights.tokenEmbedding().decodeRows(batch.token(i), 1, s.x, i * dim);
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layers()[l];
            int layer = l;
            tokenPool.run(n, i -> Ops.rmsNorm(s.xb, i * dim, s.x, i * dim, w.attnNorm(), dim, c.rmsEps()));
            Parallel.multiply(pool, new WeightMatrix[] {w.wq(), w.wk(), w.wv()}, s.xb, n, new float[][] {s.q, s.k, s.v});
            tokenPool.run(n, i -> {
                int pos = batch.position(i);
                rope.apply(s.q, i * dim, heads, hs, pos);
                rope.apply(s.k, i * kvDim, c.kvHeads(), hs, pos);
                cache.store(layer, batch.slot(i), pos, s.k, i * kvDim, s.v, i * kvDim);
            });
            int kvHeads = c.kvHeads(), group = c.kvGroup();
            attentionPool(pool, batch).run(n * kvHeads, task -> {
                int i = task / kvHeads, kvh = task % kvHeads;
                int qo = i * dim + kvh * group * hs;
                float[] scores = Scratch.scores(group * (batch.position(i) + 1));
                cache.attend(layer, batch.slot(i), batch.position(i), kvh, s.q, qo, s.att, qo, scores);
            });
            Parallel.multiply(pool, w.wo(), s.att, n, s.xb2);
            tokenPool.run(n, i -> {
                Ops.add(s.x, s.xb2, i * dim, dim);
                Ops.rmsNorm(s.xb, i * dim, s.x, i * dim, w.ffnNorm(), dim, c.rmsEps());
            });
            Parallel.multiply(pool, new WeightMatrix[] {w.gate(), w.up()}, s.xb, n, new float[][] {s.hb, s.hb2});
            tokenPool.run(n, i -> Ops.swiGlu(s.hb, s.hb2, i * hidden, hidden, Scratch.floats(hidden)));
            Parallel.multiply(pool, w.down(), s.hb, n, s.xb2);
            tokenPool.run(n, i -> Ops.add(s.x, s.xb2, i * dim, dim));
        }
        int rows = 0;
        for (int i = 0; i < n; i++) {
            if (batch.wantsLogits(i)) {
                Ops.rmsNorm(s.finalRows, rows * dim, s.x, i * dim, weights.outputNorm(), dim, c.rmsEps());
                rows++;
            }
        }
        if (rows > 0) {
            Parallel.multiply(pool, weights.output(), s.finalRows, rows, s.logits);
        }
    }

    /** The pool for attention, or a one-thread pool when the work is too small to be worth waking it. */
    private ComputePool attentionPool(ComputePool pool, TokenBatch batch) {
        long work = 0;
        for (int i = 0; i < batch.size(); i++) {
            work += (long) (batch.position(i) + 1) * config.dim();
        }
        return work * 2 < MIN_PARALLEL_ATTENTION ? SERIAL : pool;
    }

    private void check(TokenBatch batch, KvCache cache, ForwardState s) {
        if (batch.size() > s.maxTokens || batch.logitCount() > s.maxLogits) {
            throw new IllegalArgumentException("batch of " + batch.size() + " tokens (" + batch.logitCount()
                    + " with logits) exceeds the forward state (" + s.maxTokens + ", " + s.maxLogits + ")");
        }
        int limit = Math.min(cache.context(), config.contextLength());
        for (int i = 0; i < batch.size(); i++) {
            int t = batch.token(i), p = batch.position(i), slot = batch.slot(i);
            if (t < 0 || t >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + config.vocabSize());
            }
            if (p < 0 || p >= limit) {
                throw new IllegalArgumentException("position " + p + " is outside the context of " + limit);
            }
            if (slot < 0 || slot >= cache.slots()) {
                throw new IllegalArgumentException("slot " + slot + " is outside the cache's " + cache.slots() + " slots");
            }
        }
    }
}
