package io.sparkllama.format;

import io.sparkllama.tokenizer.TokenType;
import io.sparkllama.tokenizer.Vocabulary;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Builds the vocabulary embedded in a GGUF file from its {@code tokenizer.ggml.*} metadata:
 * tokens, scores, token types, BOS/EOS/unknown ids, {@code add_bos_token} and
 * {@code add_space_prefix}. Only the SentencePiece model ("llama") is supported.
 */
public final class GgufVocabulary {
    private static final byte[] SPACE_MARK = "\u2581".getBytes(StandardCharsets.UTF_8);

    private GgufVocabulary() {
    }

    /** Whether the file embeds a tokenizer. */
    public static boolean present(ModelFile file) {
        return file.metadata().containsKey("tokenizer.ggml.tokens");
    }

    public static Vocabulary read(ModelFile file) throws ModelFormatException {
        Map<String, Object> md = file.metadata();
        Object model = md.get("tokenizer.ggml.model");
        if (model != null && !"llama".equals(model)) {
            throw file.error("tokenizer.ggml.model is \"" + model + "\"; only the SentencePiece \"llama\" tokenizer is supported");
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
            pieces[i] = replaceSpaceMarks(tokens[i].getBytes(StandardCharsets.UTF_8));
            types[i] = typeIds != null ? TokenType.of(typeIds[i])
                    : Vocabulary.parseByteToken(pieces[i]) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        int bos = id(file, "tokenizer.ggml.bos_token_id", 1, n);
        int eos = id(file, "tokenizer.ggml.eos_token_id", 2, n);
        int unk = id(file, "tokenizer.ggml.unknown_token_id", 0, n);
        boolean addBos = flag(file, "tokenizer.ggml.add_bos_token", true);
        boolean addSpace = flag(file, "tokenizer.ggml.add_space_prefix", true);
        return new Vocabulary(pieces, scores, types, bos, eos, unk, addBos, addSpace);
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
