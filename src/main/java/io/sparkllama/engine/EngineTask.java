package io.sparkllama.engine;

/**
 * A unit of work the engine schedules: a prompt (or scoring context) prefilled into its own KV
 * slot, then whatever the task does after it (sampling tokens, scoring continuations). The
 * engine reserves the KV blocks the task may need, prefills, reuses cached prefixes, and hands
 * the task the logits of its last prompt token; from then on the task adds its own tokens each
 * step through a {@link Planner}. Touched only by the engine thread.
 */
abstract class EngineTask {
    /** Tokens to prefill into the primary slot. */
    final int[] prompt;
    /** The primary KV slot, once admitted. */
    int slot = -1;
    /** Prompt tokens already in the slot (a cached prefix counts). */
    int fed;
    /** KV blocks reserved at admission and not taken yet. */
    int reservedBlocks;

    EngineTask(int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt has no tokens");
        }
        this.prompt = prompt;
    }

    final boolean prefilling() {
        return fed < prompt.length;
    }

    /** The engine's side of a step, as a task sees it. */
    interface Planner {
        /** Tokens the task may still add this step beyond one per decoding sequence. */
        int budget();

        /** Adds a token; {@code tag} comes back with its logits. Returns false when the budget is spent. */
        boolean add(EngineTask owner, int tag, int token, int position, int slot, boolean logits, boolean budgeted);

        /** A free KV slot for the task's own use, or -1; give it back with {@link #release}. */
        int acquire();

        /** Frees a slot from {@link #acquire} that {@link #fork} filled, and its blocks. */
        void release(EngineTask owner, int slot);

        /** Gives the empty slot {@code to} positions {@code [0, length)} of {@code from} (shared full blocks, a copied partial one). */
        void fork(EngineTask owner, int from, int to, int length);
    }

    /**
     * The most KV blocks of {@code blockSize} positions the task may hold at once if nothing
     * were shared, when it may use up to {@code slots} slots: its prompt, and all it may
     * generate or score after it.
     */
    abstract int blocksNeeded(int blockSize, int slots);

    /** Blocks for {@code positions} positions. */
    static int blocks(long positions, int blockSize) {
        return (int) ((positions + blockSize - 1) / blockSize);
    }

    /** Whether the task's caller gave up on it (its future is done: cancelled, or failed by the caller's listener). */
    abstract boolean abandoned();

    /** The prompt is in the slot; {@code logits[offset ..]} are those of its last token. */
    abstract void promptDone(float[] logits, int offset, Sampler sampler);

    /** Adds this step's tokens after the prompt (decode tokens, continuation chunks). */
    abstract void plan(Planner planner);

    /** Logits for a token added with {@code tag}; called in the order the tokens were added. */
    abstract void onLogits(int tag, float[] logits, int offset, Sampler sampler);

    /** Called after each step's logits are delivered; the task returns extra slots it is done with. */
    void stepDone(Planner planner) {
    }

    abstract boolean finished();

    /** Delivers the result. */
    abstract void complete();

    /** Completes the future exceptionally: the engine failed or closed (the engine frees the task's slots). */
    abstract void abort(EngineFailureException failure);

    /** Extra slots still held, to free when the task is retired. */
    int[] heldSlots() {
        return new int[0];
    }

    /** Tokens generated or scored, for the engine's counters. */
    abstract int outputTokens();
}
