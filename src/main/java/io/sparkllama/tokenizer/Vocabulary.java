package io.sparkllama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A vocabulary: each token's bytes (with plain spaces, not U+2581; for a byte-level BPE
 * vocabulary the bytes its GPT-2 text stands for, and a special token's own text), merge score
 * and type, the special token ids and flags, the tokens that end generation, and for byte-level
 * BPE its merge rules. Immutable.
 */
public final class Vocabulary {
    private final byte[][] pieces;
    private final float[] scores;
    private final TokenType[] types;
    private final int bos;
    private final int eos;
    private final int unk;
    private final boolean addBos;
    private final boolean addSpacePrefix;
    private final int[] endOfGeneration;
    private final BpeRules bpe;
    private final boolean addEos;

    /**
     * @param pieces         token texts as UTF-8 bytes, spaces as ' '
     * @param scores         merge scores, higher merges first
     * @param types          token types
     * @param bos            beginning-of-sequence id
     * @param eos            end-of-sequence id
     * @param unk            unknown-token id (used when a byte has no byte token)
     * @param addBos         whether prompts start with BOS by default
     * @param addSpacePrefix whether a space is prepended to non-empty text before encoding
     */
    public Vocabulary(byte[][] pieces, float[] scores, TokenType[] types, int bos, int eos, int unk,
                      boolean addBos, boolean addSpacePrefix) {
        this(pieces, scores, types, bos, eos, unk, addBos, addSpacePrefix, new int[] {eos}, null);
    }

    /**
     * A vocabulary with an explicit end-of-generation set and, for byte-level BPE, its rules.
     *
     * @param endOfGeneration token ids that end a generation (EOS, EOT, EOM, ...); must hold {@code eos}
     * @param bpe             the merges and pre-tokenizer of a byte-level BPE vocabulary, or null
     *                        for a SentencePiece vocabulary
     */
    public Vocabulary(byte[][] pieces, float[] scores, TokenType[] types, int bos, int eos, int unk,
                      boolean addBos, boolean addSpacePrefix, int[] endOfGeneration, BpeRules bpe) {
        this(pieces, scores, types, bos, eos, unk, addBos, false, addSpacePrefix, endOfGeneration, bpe);
    }

    private Vocabulary(byte[][] pieces, float[] scores, TokenType[] types, int bos, int eos, int unk,
                       boolean addBos, boolean addEos, boolean addSpacePrefix, int[] endOfGeneration, BpeRules bpe) {
        int n = pieces.length;
        if (scores.length != n || types.length != n) {
            throw new IllegalArgumentException("pieces, scores and types differ in length: "
                    + n + ", " + scores.length + ", " + types.length);
        }
        checkId("bos", bos, n);
        checkId("eos", eos, n);
        checkId("unk", unk, n);
        for (int i = 0; i < n; i++) {
            Objects.requireNonNull(pieces[i], "piece " + i);
        }
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.addBos = addBos;
        this.addSpacePrefix = addSpacePrefix;
        int[] eog = Arrays.stream(endOfGeneration).distinct().sorted().toArray();
        for (int id : eog) {
            checkId("end-of-generation", id, n);
        }
        if (Arrays.binarySearch(eog, eos) < 0) {
            throw new IllegalArgumentException("the end-of-generation tokens " + Arrays.toString(eog) + " do not hold EOS " + eos);
        }
        this.endOfGeneration = eog;
        this.bpe = bpe;
        this.addEos = addEos;
    }

    private static void checkId(String what, int id, int n) {
        if (id < 0 || id >= n) {
            throw new IllegalArgumentException(what + " token id " + id + " is outside the vocabulary of " + n);
        }
    }

    public int size() {
        return pieces.length;
    }

    /** The stored text of a token (do not modify). */
    public byte[] piece(int id) {
        return pieces[id];
    }

    /** The stored text of a token as a string (for display). */
    public String pieceText(int id) {
        return new String(pieces[id], StandardCharsets.UTF_8);
    }

    public float score(int id) {
        return scores[id];
    }

    public TokenType type(int id) {
        return types[id];
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    public int unk() {
        return unk;
    }

    public boolean addBos() {
        return addBos;
    }

    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /** Whether prompts end with EOS by default ({@code tokenizer.ggml.add_eos_token}; false for Llama models). */
    public boolean addEos() {
        return addEos;
    }

    /** The same vocabulary with prompts ending in EOS by default or not. */
    public Vocabulary withAddEos(boolean eos) {
        return new Vocabulary(pieces, scores, types, bos, this.eos, unk, addBos, eos, addSpacePrefix, endOfGeneration, bpe);
    }

    /** Whether generating this token ends a sequence (EOS, and EOT/EOM where the vocabulary has them). */
    public boolean endsGeneration(int id) {
        return Arrays.binarySearch(endOfGeneration, id) >= 0;
    }

    /** The end-of-generation token ids, ascending. */
    public int[] endOfGeneration() {
        return endOfGeneration.clone();
    }

    /** The byte-level BPE rules, or null for a SentencePiece vocabulary. */
    public BpeRules bpe() {
        return bpe;
    }

    /** The byte value of a BYTE token ({@code <0xHH>}), or -1 when the token is no byte token. */
    public int byteValue(int id) {
        if (types[id] != TokenType.BYTE) {
            return -1;
        }
        return parseByteToken(pieces[id]);
    }

    /** Parses {@code <0xHH>}; returns -1 when the text has another form. */
    public static int parseByteToken(byte[] p) {
        if (p.length != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') {
            return -1;
        }
        int hi = Character.digit(p[3], 16);
        int lo = Character.digit(p[4], 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
}
