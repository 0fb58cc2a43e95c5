package io.sparkllama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE, as llama2.c's {@code encode}/{@code decode} and SentencePiece's BPE
 * model do it: a dummy leading space, one token per character (bytes as {@code <0xHH>} tokens
 * when a character has none), then repeatedly merge the adjacent pair whose merged token has the
 * highest score, leftmost first on ties.
 *
 * <p>The merge loop runs on a priority queue over a linked list of symbols, so encoding is
 * O(n log n) in the text length (run.c rescans all pairs per merge, which is O(n^2)); the
 * result is the same. Thread-safe after construction.
 */
public final class Tokenizer {
    private final Vocabulary vocab;
    /** Text of every token that text can merge into, to its id (lowest id wins on duplicates). */
    private final Map<String, Integer> ids = new HashMap<>();
    /** Token id of each byte value, or -1. */
    private final int[] byteTokens = new int[256];

    public Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        Arrays.fill(byteTokens, -1);
        for (int i = 0; i < vocab.size(); i++) {
            TokenType t = vocab.type(i);
            if (t == TokenType.BYTE) {
                int b = vocab.byteValue(i);
                if (b >= 0 && byteTokens[b] < 0) {
                    byteTokens[b] = i;
                }
            } else if (t.matchesText() && vocab.piece(i).length > 0) {
                ids.putIfAbsent(new String(vocab.piece(i), StandardCharsets.UTF_8), i);
            }
        }
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** Encodes with the vocabulary's default: BOS when it says so, no EOS. */
    public int[] encode(String text) {
        return encode(text, vocab.addBos(), false);
    }

    /**
     * Encodes text into token ids.
     *
     * @throws IllegalArgumentException when the text holds an unpaired surrogate (it has no UTF-8 form)
     */
    public int[] encode(String text, boolean bos, boolean eos) {
        checkWellFormed(text);
        String body = vocab.addSpacePrefix() && !text.isEmpty() ? " " + text : text;
        int n = body.length();
        // worst case: every UTF-16 unit is a 4-byte fallback... bounded by 3 bytes per char unit
        Symbols s = new Symbols(n * 3 + 2);
        for (int i = 0; i < n; ) {
            int cp = body.codePointAt(i);
            int len = Character.charCount(cp);
            Integer id = ids.get(body.substring(i, i + len));
            if (id != null) {
                s.add(id, true);
            } else {
                for (byte b : body.substring(i, i + len).getBytes(StandardCharsets.UTF_8)) {
                    int bt = byteTokens[b & 0xFF];
                    s.add(bt >= 0 ? bt : vocab.unk(), false);
                }
            }
            i += len;
        }
        merge(s);
        int count = s.count() + (bos ? 1 : 0) + (eos ? 1 : 0);
        int[] out = new int[count];
        int k = 0;
        if (bos) {
            out[k++] = vocab.bos();
        }
        for (int i = s.first(); i >= 0; i = s.next[i]) {
            out[k++] = s.id[i];
        }
        if (eos) {
            out[k++] = vocab.eos();
        }
        return out;
    }

    /** Rejects strings without a UTF-8 form, naming the position. */
    private static void checkWellFormed(String text) {
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

    /** A candidate merge of symbol {@code left} with its right neighbour into {@code merged}. */
    private record Pair(float score, int left, int leftId, int right, int rightId, int merged) {
    }

    private void merge(Symbols s) {
        PriorityQueue<Pair> queue = new PriorityQueue<>((a, b) -> a.score != b.score
                ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = s.first(); i >= 0 && s.next[i] >= 0; i = s.next[i]) {
            offer(s, i, queue);
        }
        while (!queue.isEmpty()) {
            Pair p = queue.poll();
            int l = p.left;
            int r = s.next[l];
            if (!s.alive[l] || r != p.right || s.id[l] != p.leftId || s.id[r] != p.rightId) {
                continue; // stale: one side was merged since this pair was queued
            }
            s.id[l] = p.merged;
            s.text[l] = s.text[l] + s.text[r];
            s.remove(r);
            if (s.prev[l] >= 0) {
                offer(s, s.prev[l], queue);
            }
            if (s.next[l] >= 0) {
                offer(s, l, queue);
            }
        }
    }

    private void offer(Symbols s, int left, PriorityQueue<Pair> queue) {
        int right = s.next[left];
        if (!s.mergeable[left] || !s.mergeable[right]) {
            return;
        }
        Integer merged = ids.get(s.text[left] + s.text[right]);
        if (merged != null) {
            queue.add(new Pair(vocab.score(merged), left, s.id[left], right, s.id[right], merged));
        }
    }

    /** Doubly linked list of symbols in an array. */
    private final class Symbols {
        final int[] id;
        final String[] text;
        final boolean[] mergeable;
        final boolean[] alive;
        final int[] prev;
        final int[] next;
        int size;
        int head = -1;
        int live;

        Symbols(int capacity) {
            id = new int[capacity];
            text = new String[capacity];
            mergeable = new boolean[capacity];
            alive = new boolean[capacity];
            prev = new int[capacity];
            next = new int[capacity];
        }

        void add(int tokenId, boolean canMerge) {
            int i = size++;
            id[i] = tokenId;
            text[i] = canMerge ? new String(vocab.piece(tokenId), StandardCharsets.UTF_8) : "";
            mergeable[i] = canMerge;
            alive[i] = true;
            prev[i] = i - 1;
            next[i] = -1;
            if (i > 0) {
                next[i - 1] = i;
            } else {
                head = 0;
            }
            live++;
        }

        void remove(int i) {
            alive[i] = false;
            if (prev[i] >= 0) {
                next[prev[i]] = next[i];
            }
            if (next[i] >= 0) {
                prev[next[i]] = prev[i];
            }
            live--;
        }

        int first() {
            return head;
        }

        int count() {
            return live;
        }
    }

    /**
     * The bytes that token {@code token} contributes after {@code prev}: its stored text, the
     * raw byte for a {@code <0xHH>} token, and without the leading space right after BOS.
     */
    public byte[] decode(int prev, int token) {
        if (token < 0 || token >= vocab.size()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + vocab.size());
        }
        int b = vocab.byteValue(token);
        if (b >= 0) {
            return new byte[] {(byte) b};
        }
        byte[] piece = vocab.piece(token);
        if (prev == vocab.bos() && piece.length > 0 && piece[0] == ' ') {
            return Arrays.copyOfRange(piece, 1, piece.length);
        }
        return piece;
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
}
