package io.sparkllama.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * Text to token ids and back, for the vocabulary a model was trained with: SentencePiece-style
 * BPE (Llama 2, TinyLlama, Mistral, llama2.c) or byte-level BPE (Llama 3.x, SmolLM2), chosen by
 * the vocabulary. Thread-safe after construction.
 */
public abstract sealed class Tokenizer permits SentencePieceTokenizer, ByteLevelBpeTokenizer {
    protected final Vocabulary vocab;

    Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
    }

    /** The tokenizer for a vocabulary: byte-level BPE when it has BPE rules, else SentencePiece. */
    public static Tokenizer of(Vocabulary vocab) {
        return vocab.bpe() != null ? new ByteLevelBpeTokenizer(vocab) : new SentencePieceTokenizer(vocab);
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** Encodes user text with the vocabulary's defaults for BOS and EOS, special tokens not parsed. */
    public int[] encode(String text) {
        return encode(text, vocab.addBos(), vocab.addEos(), false);
    }

    /** Encodes user text: special-token texts in it are ordinary text. */
    public int[] encode(String text, boolean bos, boolean eos) {
        return encode(text, bos, eos, false);
    }

    /**
     * Encodes text into token ids.
     *
     * @param parseSpecial whether special-token texts in the text (e.g. {@code <|eot_id|>}, written
     *                     by a chat template) become those tokens
     * @throws IllegalArgumentException when the text holds an unpaired surrogate (it has no UTF-8 form)
     */
    public final int[] encode(String text, boolean bos, boolean eos, boolean parseSpecial) {
        checkWellFormed(text);
        IntList out = new IntList();
        if (bos) {
            out.add(vocab.bos());
        }
        encodeText(text, parseSpecial, out);
        if (eos) {
            out.add(vocab.eos());
        }
        return out.toArray();
    }

    /** Appends the tokens of well-formed text, without BOS or EOS. */
    abstract void encodeText(String text, boolean parseSpecial, IntList out);

    /** The bytes a generated token adds to the text after {@code prev}; control tokens add none. */
    public abstract byte[] decode(int prev, int token);

    /** A token's bytes (a {@code <0xHH>} token's byte); a control token's text only when {@code special}. */
    public byte[] tokenBytes(int token, boolean special) {
        checkToken(token);
        int b = vocab.byteValue(token);
        if (b >= 0) {
            return new byte[] {(byte) b};
        }
        if (vocab.type(token) == TokenType.CONTROL && !special) {
            return new byte[0];
        }
        return vocab.piece(token);
    }

    /** The bytes of a token sequence, each token's bytes in turn (no context rules). */
    public byte[] decodeBytes(int[] ids, boolean special) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tokenBytes(id, special));
        }
        return out.toByteArray();
    }

    /** Decodes a whole sequence to text ({@code ids[0]} is context only, as in llama2.c). */
    public String decodeText(int[] ids) {
        TextDecoder d = new TextDecoder();
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < ids.length; i++) {
            sb.append(d.push(decode(ids[i - 1], ids[i])));
        }
        return sb.append(d.finish()).toString();
    }

    void checkToken(int token) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocab.size());
        }
    }

    /** Rejects strings without a UTF-8 form, naming the position. */
    static void checkWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new IllegalArgumentException("text has an unpaired high surrogate at index " + i);
            }
            if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("text has an unpaired low surrogate at index " + i);
            }
        }
    }
}
