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
 * @param ropeScale     linear rope scaling: positions are multiplied by this (1 / {@code rope.scaling.factor}; 1 without scaling)
 */
public record LlamaConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                          int contextLength, float rmsEps, float ropeTheta, int ropeDim, float ropeScale) {

    /** A configuration without rope scaling. */
    public LlamaConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                       int contextLength, float rmsEps, float ropeTheta, int ropeDim) {
        this(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength, rmsEps, ropeTheta, ropeDim, 1f);
    }

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
        if (!(rmsEps > 0) || !(ropeTheta > 0) || !(ropeScale > 0) || Float.isInfinite(ropeScale)) {
            throw new IllegalArgumentException("rms epsilon, rope base and rope scale must be positive: " + rmsEps + ", "
                    + ropeTheta + ", " + ropeScale);
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

    /**
     * Reads the configuration of a {@code llama} model file. What the engine does not implement
     * (another architecture, head sizes other than embedding / heads, rope scaling other than
     * linear) is an error rather than wrong output.
     */
    public static LlamaConfig read(ModelFile file) throws ModelFormatException {
        Map<String, Object> md = file.metadata();
        Object arch = md.getOrDefault("general.architecture", "llama");
        if (!"llama".equals(arch)) {
            throw file.error("architecture \"" + arch + "\" is not supported (only llama)");
        }
        int dim = intKey(file, "llama.embedding_length", null);
        int heads = intKey(file, "llama.attention.head_count", null);
        int headSize = heads > 0 && dim % heads == 0 ? dim / heads : 0;
        for (String key : new String[] {"llama.attention.key_length", "llama.attention.value_length"}) {
            if (md.containsKey(key) && intKey(file, key, null) != headSize) {
                throw file.error(key + " = " + md.get(key) + " differs from embedding_length / head_count = " + headSize
                        + ", which this engine does not support");
            }
        }
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
                    intKey(file, "llama.rope.dimension_count", headSize),
                    ropeScale(file));
        } catch (IllegalArgumentException e) {
            throw file.error(e.getMessage());
        }
    }

    /**
     * The linear rope scale, 1 / {@code rope.scaling.factor} (or the older {@code rope.scale_linear}),
     * as llama.cpp reads it; 1 when the type is {@code none}. YaRN, LongRoPE and other types are refused.
     */
    private static float ropeScale(ModelFile file) throws ModelFormatException {
        Object type = file.metadata().getOrDefault("llama.rope.scaling.type", "linear");
        if (!"linear".equals(type) && !"none".equals(type)) {
            throw file.error("llama.rope.scaling.type \"" + type + "\" is not supported (only linear and none)");
        }
        float factor = floatKey(file, "llama.rope.scaling.factor", 0f);
        if (factor == 0f) {
            factor = floatKey(file, "llama.rope.scale_linear", 0f);
        }
        if ("none".equals(type) || factor == 0f) {
            return 1f;
        }
        if (!(factor > 0)) {
            throw file.error("llama.rope.scaling.factor = " + factor + " is not positive");
        }
        return 1f / factor;
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
