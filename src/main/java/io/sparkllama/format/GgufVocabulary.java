package io.sparkllama.format;

import io.sparkllama.tokenizer.BpeRules;
import io.sparkllama.tokenizer.PreTokenizer;
import io.sparkllama.tokenizer.TokenType;
import io.sparkllama.tokenizer.Vocabulary;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Builds the vocabulary embedded in a GGUF file from its {@code tokenizer.ggml.*} metadata:
 * tokens, scores, token types, BOS/EOS/unknown ids, {@code add_bos_token},
 * {@code add_space_prefix}, the end-of-generation tokens, and for byte-level BPE
 * ({@code tokenizer.ggml.model = gpt2}) the merges and pre-tokenizer. SentencePiece ("llama")
 * and byte-level BPE ("gpt2") are supported.
 */
public final class GgufVocabulary {
    private static final byte[] SPACE_MARK = "\u2581".getBytes(StandardCharsets.UTF_8);
    /** Token texts that end generation wherever they are (llama.cpp {@code llama-vocab.cpp}, "end-of-generation"). */
    private static final Set<String> END_OF_GENERATION_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>",
            "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
            "<|end_of_text|>", "<end_of_utterance>");

    private GgufVocabulary() {
    }

    /** Whether the file embeds a tokenizer. */
    public static boolean present(ModelFile file) {
        return file.metadata().containsKey("tokenizer.ggml.tokens");
    }

    public static Vocabulary read(ModelFile file) throws ModelFormatException {
        Map<String, Object> md = file.metadata();
        Object model = md.getOrDefault("tokenizer.ggml.model", "llama");
        boolean bpe = "gpt2".equals(model);
        if (!bpe && !"llama".equals(model)) {
            throw file.error("tokenizer.ggml.model is \"" + model + "\"; supported are \"llama\" (SentencePiece) and \"gpt2\" (byte-level BPE)");
        }
        String[] tokens;
        float[] scores;
        int[] typeIds;
        try {
            tokens = array(file, "tokenizer.ggml.tokens").strings();
            scores = md.containsKey("tokenizer.ggml.scores")
                    ? array(file, "tokenizer.ggml.scores").floats() : new float[tokens.length];
            typeIds = md.containsKey("tokenizer.ggml.token_type")
                    ? array(file, "tokenizer.ggml.token_type").ints() : null;
        } catch (IllegalStateException e) {
            throw file.error("tokenizer metadata has the wrong type: " + e.getMessage());
        }
        int n = tokens.length;
        if (n < 1) {
            throw file.error("tokenizer.ggml.tokens is empty");
        }
        if (scores.length != n || (typeIds != null && typeIds.length != n)) {
            throw file.error("tokenizer.ggml.tokens, scores and token_type differ in length");
        }
        byte[][] pieces = new byte[n][];
        TokenType[] types = new TokenType[n];
        for (int i = 0; i < n; i++) {
            byte[] raw = tokens[i].getBytes(StandardCharsets.UTF_8);
            types[i] = typeIds != null ? TokenType.of(typeIds[i])
                    : !bpe && Vocabulary.parseByteToken(raw) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
            pieces[i] = bpe ? BpeRules.pieceBytes(tokens[i], types[i]) : replaceSpaceMarks(raw);
        }
        int bos = id(file, "tokenizer.ggml.bos_token_id", 1, n);
        int eos = id(file, "tokenizer.ggml.eos_token_id", 2, n);
        int unk = id(file, "tokenizer.ggml.unknown_token_id", 0, n);
        int[] endOfGeneration = endOfGeneration(file, tokens, eos);
        boolean addEos = flag(file, "tokenizer.ggml.add_eos_token", false);
        if (!bpe) {
            boolean addBos = flag(file, "tokenizer.ggml.add_bos_token", true);
            boolean addSpace = flag(file, "tokenizer.ggml.add_space_prefix", true);
            return new Vocabulary(pieces, scores, types, bos, eos, unk, addBos, addSpace, endOfGeneration, null)
                    .withAddEos(addEos);
        }
        String pre = preTokenizer(file, tokens);
        String[] merges;
        try {
            merges = array(file, "tokenizer.ggml.merges").strings();
        } catch (IllegalStateException e) {
            throw file.error("tokenizer.ggml.merges has the wrong type: " + e.getMessage());
        }
        boolean addBos = flag(file, "tokenizer.ggml.add_bos_token", PreTokenizer.addsBos(pre));
        boolean addSpace = flag(file, "tokenizer.ggml.add_space_prefix", false);
        BpeRules rules = new BpeRules(pre, tokens, merges, PreTokenizer.ignoresMerges(pre));
        return new Vocabulary(pieces, scores, types, bos, eos, unk, addBos, addSpace, endOfGeneration, rules)
                .withAddEos(addEos);
    }

    /**
     * The pre-tokenizer name: {@code tokenizer.ggml.pre}; when absent, {@code llama-bpe} for a
     * Llama 3 vocabulary (early Llama 3 files lack the key) and llama.cpp's {@code default}
     * otherwise. A value the engine does not know is an error.
     */
    private static String preTokenizer(ModelFile file, String[] tokens) throws ModelFormatException {
        Object v = file.metadata().get("tokenizer.ggml.pre");
        String pre;
        if (v == null) {
            pre = tokens.length == 128256 && "<|begin_of_text|>".equals(tokens[128000]) ? "llama-bpe" : "default";
        } else if (v instanceof String s) {
            pre = s;
        } else {
            throw file.error("tokenizer.ggml.pre = " + v + " is not a string");
        }
        if (!PreTokenizer.names().contains(pre)) {
            throw file.error("tokenizer.ggml.pre \"" + pre + "\" is not supported (supported: "
                    + String.join(", ", PreTokenizer.names()) + ")");
        }
        return pre;
    }

    /** EOS, the EOT and EOM tokens the file names, and every token whose text llama.cpp treats as an end of generation. */
    private static int[] endOfGeneration(ModelFile file, String[] tokens, int eos) throws ModelFormatException {
        int n = tokens.length;
        IntStream.Builder ids = IntStream.builder();
        ids.add(eos);
        for (String key : new String[] {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
            if (file.metadata().containsKey(key)) {
                ids.add(id(file, key, eos, n));
            }
        }
        for (int i = 0; i < n; i++) {
            if (END_OF_GENERATION_TEXTS.contains(tokens[i])) {
                ids.add(i);
            }
        }
        return ids.build().toArray();
    }

    private static GgufArray array(ModelFile file, String key) throws ModelFormatException {
        Object v = file.metadata().get(key);
        if (!(v instanceof GgufArray a)) {
            throw file.error(key + " is " + (v == null ? "missing" : "not an array"));
        }
        return a;
    }

    private static int id(ModelFile file, String key, int fallback, int n) throws ModelFormatException {
        Object v = file.metadata().get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Long l) || l < 0 || l >= n) {
            throw file.error(key + " = " + v + " is not a token id of the " + n + "-token vocabulary");
        }
        return (int) (long) l;
    }

    private static boolean flag(ModelFile file, String key, boolean fallback) throws ModelFormatException {
        Object v = file.metadata().get(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw file.error(key + " = " + v + " is not a boolean");
        }
        return b;
    }

    /** U+2581 (SentencePiece's visible space) back to ' ', so both formats store plain spaces. */
    static byte[] replaceSpaceMarks(byte[] p) {
        int count = 0;
        for (int i = 0; i + 2 < p.length; i++) {
            if (p[i] == SPACE_MARK[0] && p[i + 1] == SPACE_MARK[1] && p[i + 2] == SPACE_MARK[2]) {
                count++;
            }
        }
        if (count == 0) {
            return p;
        }
        byte[] out = new byte[p.length - 2 * count];
        int k = 0;
        for (int i = 0; i < p.length; ) {
            if (i + 2 < p.length && p[i] == SPACE_MARK[0] && p[i + 1] == SPACE_MARK[1] && p[i + 2] == SPACE_MARK[2]) {
                out[k++] = ' ';
                i += 3;
            } else {
                out[k++] = p[i++];
            }
        }
        return out;
    }
}
