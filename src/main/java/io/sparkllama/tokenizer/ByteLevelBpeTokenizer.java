package io.sparkllama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE as llama.cpp runs it for {@code tokenizer.ggml.model = gpt2} (Llama 3.x,
 * SmolLM2): special tokens are taken out of the text first, the rest is split by the file's
 * pre-tokenizer, each piece's UTF-8 bytes are written in GPT-2's byte characters, and adjacent
 * symbols are merged by merge rank, lowest first, leftmost on ties. With {@code ignore_merges}
 * (Llama 3) a piece that is itself a token is emitted whole.
 *
 * <p>Merges whose result is no token get ids above the vocabulary; a symbol left with such an id
 * is emitted as its bytes' tokens.
 */
final class ByteLevelBpeTokenizer extends Tokenizer {
    private final PreTokenizer pre;
    private final boolean ignoreMerges;
    private final SpecialTokens specials;
    /** Token text as stored (GPT-2 characters) to id; the last id wins on duplicates, as in llama.cpp. */
    private final Map<String, Integer> ids;
    /** The token of each byte's character. */
    private final int[] byteTokens = new int[256];
    private final MergeTable merges;
    /** The symbol each merge rank produces (a token id, or an id above the vocabulary). */
    private final int[] mergedSymbol;

    ByteLevelBpeTokenizer(Vocabulary vocab) {
        super(vocab);
        BpeRules rules = vocab.bpe();
        this.pre = PreTokenizer.of(rules.pre());
        this.ignoreMerges = rules.ignoreMerges();
        this.specials = new SpecialTokens(vocab);
        String[] texts = rules.tokenTexts();
        this.ids = new HashMap<>(texts.length * 2);
        for (int i = 0; i < texts.length; i++) {
            ids.put(texts[i], i);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.valueOf(ByteLevel.charOf(b)));
            if (id == null) {
                throw new IllegalArgumentException("byte-level vocabulary has no token for byte 0x"
                        + Integer.toHexString(b) + " ('" + ByteLevel.charOf(b) + "')");
            }
            byteTokens[b] = id;
        }
        String[] rulesText = rules.merges();
        this.merges = new MergeTable(rulesText.length);
        this.mergedSymbol = new int[rulesText.length];
        // Merge results that are no token get ids above the vocabulary. A merge whose part is
        // only produced by a merge of a later rank is resolved once every result has its id.
        Map<String, Integer> virtual = new HashMap<>();
        List<Integer> deferred = new ArrayList<>();
        for (int r = 0; r < rulesText.length; r++) {
            String m = rulesText[r];
            int space = m.indexOf(' ', 1);
            if (space < 0) {
                throw new IllegalArgumentException("merge " + r + " \"" + m + "\" is not two texts joined by a space");
            }
            String left = m.substring(0, space), right = m.substring(space + 1);
            Integer merged = ids.get(left + right);
            if (merged == null) {
                merged = virtual.computeIfAbsent(left + right, k -> texts.length + virtual.size());
            }
            mergedSymbol[r] = merged;
            Integer l = symbol(left, virtual), rt = symbol(right, virtual);
            if (l != null && rt != null) {
                merges.putLowest(l, rt, r);
            } else {
                deferred.add(r);
            }
        }
        for (int r : deferred) {
            String m = rulesText[r];
            int space = m.indexOf(' ', 1);
            Integer l = symbol(m.substring(0, space), virtual), rt = symbol(m.substring(space + 1), virtual);
            if (l != null && rt != null) {
                merges.putLowest(l, rt, r);
            }
        }
    }

    private Integer symbol(String text, Map<String, Integer> virtual) {
        Integer id = ids.get(text);
        return id != null ? id : virtual.get(text);
    }

    @Override
    void encodeText(String text, boolean parseSpecial, IntList out) {
        Work work = new Work();
        for (SpecialTokens.Fragment f : specials.partition(text, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                continue;
            }
            work.bounds.clear();
            pre.split(text, f.start(), f.end(), work.bounds);
            for (int i = 0; i < work.bounds.size(); i += 2) {
                byte[] bytes = text.substring(work.bounds.get(i), work.bounds.get(i + 1)).getBytes(StandardCharsets.UTF_8);
                encodeWord(bytes, work, out);
            }
        }
    }

    /** Scratch space of one encode call. */
    private static final class Work {
        final IntList bounds = new IntList();
        int[] symbol = new int[64];
        int[] start = new int[64];
        int[] prev = new int[64];
        int[] next = new int[64];
        final LongHeap queue = new LongHeap();

        void ensure(int n) {
            if (symbol.length < n) {
                symbol = new int[n];
                start = new int[n];
                prev = new int[n];
                next = new int[n];
            }
        }
    }

    private void encodeWord(byte[] bytes, Work w, IntList out) {
        int n = bytes.length;
        if (n == 1) {
            out.add(byteTokens[bytes[0] & 0xFF]);
            return;
        }
        if (ignoreMerges) {
            Integer whole = ids.get(ByteLevel.encode(bytes, 0, n));
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        w.ensure(n);
        int[] symbol = w.symbol, start = w.start, prev = w.prev, next = w.next;
        for (int i = 0; i < n; i++) {
            symbol[i] = byteTokens[bytes[i] & 0xFF];
            start[i] = i;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = w.queue;
        queue.clear();
        for (int i = 0; i + 1 < n; i++) {
            offer(queue, symbol[i], symbol[i + 1], i);
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            // Stale entries: the left symbol was merged away (start moved) or its pair changed.
            if (start[left] < 0 || right < 0 || merges.rank(symbol[left], symbol[right]) != rank) {
                continue;
            }
            symbol[left] = mergedSymbol[rank];
            start[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) {
                prev[next[left]] = left;
                offer(queue, symbol[left], symbol[next[left]], left);
            }
            if (prev[left] >= 0) {
                offer(queue, symbol[prev[left]], symbol[left], prev[left]);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            if (symbol[i] < vocab.size()) {
                out.add(symbol[i]);
            } else {
                int end = next[i] >= 0 ? next[i] : n;
                for (int j = i; j < end; j++) {
                    out.add(byteTokens[bytes[j] & 0xFF]);
                }
            }
        }
    }

    private void offer(LongHeap queue, int left, int right, int position) {
        int rank = merges.rank(left, right);
        if (rank >= 0) {
            queue.add(((long) rank << 32) | position);
        }
    }

    @Override
    public byte[] decode(int prev, int token) {
        return tokenBytes(token, false);
    }
}
