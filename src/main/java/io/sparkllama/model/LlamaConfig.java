package io.sparkllama.model;

import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFormatException;

import java.util.Map;

/**
 * Llama hyperparameters, read from {@code llama.*} metadata.
 *
 * @param dim           embedding length
 * @param hiddenDim     feed-forward length
 * @param layers        block count
 * @param heads         query heads
 * @param kvHeads       key/value heads (equal to {@code heads} for multi-head attention, 1 for multi-query)
 * @param vocabSize     vocabulary size
 * @param contextLength maximum sequence length the model was trained for
 * @param rmsEps        RMSNorm epsilon
 * @param ropeTheta     rotary embedding base frequency
 * @param ropeDim       rotated dimensions per head (the head size for Llama)
 */
public record LlamaConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                          int contextLength, float rmsEps, float ropeTheta, int ropeDim) {

    public LlamaConfig {
        if (dim <= 0 || hiddenDim <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocabSize <= 0 || contextLength <= 0) {
            throw new IllegalArgumentException("hyperparameters must be positive: " + summary(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength));
        }
        if (dim % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("embedding length must be a multiple of the head count and the head count of the "
                    + "key/value head count: " + summary(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength));
        }
        if (ropeDim <= 0 || ropeDim % 2 != 0 || ropeDim > dim / heads) {
            throw new IllegalArgumentException("rope dimension count " + ropeDim + " must be even and at most the head size " + dim / heads);
        }
        if (!(rmsEps > 0) || !(ropeTheta > 0)) {
            throw new IllegalArgumentException("rms epsilon and rope base must be positive: " + rmsEps + ", " + ropeTheta);
        }
    }

    private static String summary(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int ctx) {
        return "dim=" + dim + " hidden=" + hidden + " layers=" + layers + " heads=" + heads + " kv_heads=" + kvHeads
                + " vocab=" + vocab + " context=" + ctx;
    }

    public int headSize() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headSize();
    }

    /** Query heads per key/value head. */
    public int kvGroup() {
        return heads / kvHeads;
    }

    /** Reads the configuration of a {@code llama} model file. */
    public static LlamaConfig read(ModelFile file) throws ModelFormatException {
        Map<String, Object> md = file.metadata();
        Object arch = md.getOrDefault("general.architecture", "llama");
        if (!"llama".equals(arch)) {
            throw file.error("architecture \"" + arch + "\" is not supported (only llama)");
        }
        int dim = intKey(file, "llama.embedding_length", null);
        int heads = intKey(file, "llama.attention.head_count", null);
        int vocab;
        if (md.containsKey("llama.vocab_size")) {
            vocab = intKey(file, "llama.vocab_size", null);
        } else if (file.tensors().containsKey("token_embd.weight")) {
            vocab = (int) Math.min(Integer.MAX_VALUE, file.tensors().get("token_embd.weight").rows());
        } else {
            throw file.error("cannot tell the vocabulary size: no llama.vocab_size and no token_embd.weight");
        }
        try {
            return new LlamaConfig(dim,
                    intKey(file, "llama.feed_forward_length", null),
                    intKey(file, "llama.block_count", null),
                    heads,
                    intKey(file, "llama.attention.head_count_kv", heads),
                    vocab,
                    intKey(file, "llama.context_length", null),
                    floatKey(file, "llama.attention.layer_norm_rms_epsilon", 1e-5f),
                    floatKey(file, "llama.rope.freq_base", 10000f),
                    intKey(file, "llama.rope.dimension_count", heads > 0 && dim % heads == 0 ? dim / heads : 0));
        } catch (IllegalArgumentException e) {
            throw file.error(e.getMessage());
        }
    }

    private static int intKey(ModelFile file, String key, Integer fallback) throws ModelFormatException {
        Object v = file.metadata().get(key);
        if (v == null) {
            if (fallback == null) {
                throw file.error("missing metadata " + key);
            }
            return fallback;
        }
        if (!(v instanceof Long l) || l <= 0 || l > Integer.MAX_VALUE) {
            throw file.error("metadata " + key + " = " + v + " is not a positive integer");
        }
        return (int) (long) l;
    }

    private static float floatKey(ModelFile file, String key, float fallback) throws ModelFormatException {
        Object v = file.metadata().get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Float f) {
            return f;
        }
        if (v instanceof Double d) {
            return (float) (double) d;
        }
        throw file.error("metadata " + key + " = " + v + " is not a number");
    }
}
