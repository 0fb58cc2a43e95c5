package io.sparkllama.tokenizer;

import java.util.Objects;

/**
 * What a byte-level BPE vocabulary ({@code tokenizer.ggml.model = gpt2}) adds to its tokens.
 *
 * @param pre          the pre-tokenizer name ({@code tokenizer.ggml.pre}), one of {@link PreTokenizer#names()}
 * @param tokenTexts   every token's text as stored (GPT-2 byte-level characters; special tokens as written)
 * @param merges       the merge rules in rank order, each two token texts joined by one space
 * @param ignoreMerges whether a pre-token that is itself a token is emitted without merging (llama.cpp's rule for Llama 3)
 */
public record BpeRules(String pre, String[] tokenTexts, String[] merges, boolean ignoreMerges) {
    public BpeRules {
        Objects.requireNonNull(pre, "pre");
        Objects.requireNonNull(tokenTexts, "tokenTexts");
        Objects.requireNonNull(merges, "merges");
    }

    /**
     * The bytes a stored token text stands for: a control or user-defined token's own text,
     * otherwise the bytes of its GPT-2 characters (the text itself when it is not byte-level).
     */
    public static byte[] pieceBytes(String text, TokenType type) {
        if (type != TokenType.CONTROL && type != TokenType.USER_DEFINED) {
            byte[] bytes = ByteLevel.decode(text);
            if (bytes != null) {
                return bytes;
            }
        }
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
