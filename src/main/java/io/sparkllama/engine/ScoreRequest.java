package io.sparkllama.engine;

import java.util.List;

/**
 * Score one or more continuations of a context: the context's KV is computed once and shared by
 * every continuation, which then run together, each in its own KV slot.
 *
 * @param context       context tokens, BOS included (at least one token)
 * @param continuations token ids of each continuation (at least one token each)
 */
public record ScoreRequest(int[] context, List<int[]> continuations) {

    public ScoreRequest {
        if (context == null || context.length == 0) {
            throw new IllegalArgumentException("the context needs at least one token (BOS)");
        }
        if (continuations == null || continuations.isEmpty()) {
            throw new IllegalArgumentException("give at least one continuation");
        }
        for (int[] c : continuations) {
            if (c == null || c.length == 0) {
                throw new IllegalArgumentException("a continuation has no tokens");
            }
        }
        continuations = List.copyOf(continuations);
    }
}
