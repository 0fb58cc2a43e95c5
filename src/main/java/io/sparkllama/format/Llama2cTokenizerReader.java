package io.sparkllama.format;

import io.sparkllama.tokenizer.TokenType;
import io.sparkllama.tokenizer.Vocabulary;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads llama2.c's {@code tokenizer.bin}: int32 max_token_length, then per token a float32
 * score, an int32 byte length and the bytes. The file does not store the vocabulary size; read
 * for a model, it must end exactly after the model's vocabulary, so a tokenizer made for another
 * model is rejected instead of silently misread.
 *
 * <p>Token types are inferred as llama2.c's vocabularies are laid out: 0 unknown, 1 BOS and
 * 2 EOS (control), {@code <0xHH>} byte tokens, everything else normal.
 */
public final class Llama2cTokenizerReader {
    private static final int MAX_PIECE_BYTES = 1 << 16;

    private Llama2cTokenizerReader() {
    }

    /** Reads a tokenizer on its own, taking every token up to the end of the file. */
    public static Vocabulary read(Path path) throws ModelFormatException {
        return read(path, -1);
    }

    /**
     * Reads a tokenizer for a model with {@code vocabSize} tokens, or all tokens of the file when
     * {@code vocabSize} is negative.
     *
     * @throws ModelFormatException when the file is not such a tokenizer or holds another number of tokens
     */
    public static Vocabulary read(Path path, int vocabSize) throws ModelFormatException {
        try (FileInput in = FileInput.open(path)) {
            if (in.size() >= 4 && in.i32("magic") == GgufReader.MAGIC) {
                throw in.error("is a GGUF file, not a llama2.c tokenizer.bin");
            }
            in.seek(0);
            int maxLen = in.i32("max_token_length");
            if (maxLen <= 0 || maxLen > MAX_PIECE_BYTES) {
                throw in.error("not a llama2.c tokenizer: implausible max_token_length " + maxLen);
            }
            boolean toEnd = vocabSize < 0;
            int capacity = toEnd ? 1024 : vocabSize;
            byte[][] pieces = new byte[capacity][];
            float[] scores = new float[capacity];
            int n = 0;
            while (toEnd ? in.remaining() > 0 : n < vocabSize) {
                if (in.remaining() < 8) {
                    throw in.error(toEnd ? "truncated inside token " + n
                            : "ends after " + n + " tokens, but the model has " + vocabSize + ": the tokenizer does not fit the model");
                }
                if (n == capacity) {
                    capacity *= 2;
                    pieces = Arrays.copyOf(pieces, capacity);
                    scores = Arrays.copyOf(scores, capacity);
                }
                scores[n] = in.f32("score of token " + n);
                int len = in.i32("length of token " + n);
                if (len < 0 || len > maxLen) {
                    throw in.error("token " + n + " has length " + len + " (max_token_length is " + maxLen + ")");
                }
                pieces[n] = in.bytes(len, "token " + n);
                n++;
            }
            if (in.remaining() != 0) {
                throw in.error("has " + in.remaining() + " bytes left after the model's " + vocabSize
                        + " tokens: the tokenizer belongs to a model with a larger vocabulary");
            }
            if (n < 3) {
                throw in.error("vocabulary of " + n + " tokens has no room for <unk>, BOS and EOS");
            }
            pieces = Arrays.copyOf(pieces, n);
            scores = Arrays.copyOf(scores, n);
            TokenType[] types = new TokenType[n];
            for (int i = 0; i < n; i++) {
                types[i] = i == 0 ? TokenType.UNKNOWN
                        : i <= 2 ? TokenType.CONTROL
                        : Vocabulary.parseByteToken(pieces[i]) >= 0 ? TokenType.BYTE
                        : pieces[i].length == 0 ? TokenType.CONTROL : TokenType.NORMAL;
            }
            return new Vocabulary(pieces, scores, types, 1, 2, 0, true, true);
        }
    }
}
