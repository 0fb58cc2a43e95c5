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
public final class SentencePieceTokenizer extends Tokenizer {
    /** Text of every token that text can merge into, to its id (lowest id wins on duplicates). */
    private final Map<String, Integer> ids = new HashMap<>();
    /** Token id of each byte value, or -1. */
    private final int[] byteTokens = new int[256];

    /** A tokenizer over a SentencePiece vocabulary (use {@link Tokenizer#of} to pick by vocabulary). */
    public SentencePieceTokenizer(Vocabulary vocab) {
        super(vocab);
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

    /**
     * With special tokens parsed, each text fragment after a special token gets the space
     * prefix again, as llama.cpp does.
     */
    @Override
    void encodeText(String text, boolean parseSpecial, IntList out) {
        if (!parseSpecial) {
            encodeFragment(text, out);
            return;
        }
        for (SpecialTokens.Fragment f : specials().partition(text, true)) {
            if (f.isToken()) {
                out.add(f.token());
            } else {
                encodeFragment(text.substring(f.start(), f.end()), out);
            }
        }
    }

    private volatile SpecialTokens specials;

    private SpecialTokens specials() {
        SpecialTokens s = specials;
        if (s == null) {
            specials = s = new SpecialTokens(vocab);
        }
        return s;
    }

    /** Encodes text that holds no special token, with the space prefix when the vocabulary asks for it. */
    private void encodeFragment(String text, IntList out) {
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
        for (int i = s.first(); i >= 0; i = s.next[i]) {
            out.add(s.id[i]);
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
    @Override
    public byte[] decode(int prev, int token) {
        checkToken(token);
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
}
