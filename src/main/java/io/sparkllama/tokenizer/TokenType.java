package io.sparkllama.tokenizer;

/** SentencePiece / GGUF token types ({@code tokenizer.ggml.token_type} values). */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    /** The type for a GGUF token type id; unknown ids count as NORMAL. */
    public static TokenType of(int id) {
        return id >= 0 && id < values().length ? values()[id] : NORMAL;
    }

    /** Whether text can be encoded into this token by merging (SentencePiece's rule). */
    public boolean matchesText() {
        return this == NORMAL || this == USER_DEFINED || this == UNDEFINED;
    }
}
