package io.sparkllama.model;

/**
 * The tokens of one forward step: for each, its id, its position in its sequence, the KV slot of
 * that sequence, and whether its logits are wanted. Decoding sequences contribute one token,
 * prefilling ones a chunk of their prompt; a sequence's tokens must appear in position order.
 * Reused across steps by {@link #clear()}.
 */
public final class TokenBatch {
    private final int[] tokens;
    private final int[] positions;
    private final int[] slots;
    private final boolean[] wantLogits;
    private int size;
    private int logitCount;

    public TokenBatch(int capacity) {
        tokens = new int[capacity];
        positions = new int[capacity];
        slots = new int[capacity];
        wantLogits = new boolean[capacity];
    }

    public void clear() {
        size = 0;
        logitCount = 0;
    }

    /**
     * Adds a token; returns the row its logits will have in {@link ForwardState#logits()}, or -1.
     */
    public int add(int token, int position, int slot, boolean logits) {
        if (size == tokens.length) {
            throw new IllegalStateException("token batch is full (" + size + ")");
        }
        tokens[size] = token;
        positions[size] = position;
        slots[size] = slot;
        wantLogits[size] = logits;
        size++;
        return logits ? logitCount++ : -1;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return tokens.length;
    }

    public int logitCount() {
        return logitCount;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int position(int i) {
        return positions[i];
    }

    public int slot(int i) {
        return slots[i];
    }

    public boolean wantsLogits(int i) {
        return wantLogits[i];
    }
}
