package io.sparkllama.engine;

import io.sparkllama.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns text into scoring requests with lm-evaluation-harness's rule for splitting a context and
 * a continuation ({@code _encode_pair}): trailing spaces of the context move to the start of the
 * continuation; the context is encoded alone, and the continuation's tokens are those of
 * {@code encode(context + continuation)} after the first {@code len(encode(context))} tokens.
 * The scored sequence is BOS, the context's tokens, then the continuation's. An empty context
 * scores the continuation right after BOS.
 */
public final class Scoring {
    private Scoring() {
    }

    /** Context tokens (BOS first) and the continuation's tokens. */
    public static int[][] encodePair(Tokenizer tok, String context, String continuation) {
        return encodePair(tok, context, continuation, false);
    }

    /**
     * Context tokens (BOS first) and the continuation's tokens.
     *
     * @param parseSpecial whether special-token texts become tokens (a context a chat template rendered)
     */
    public static int[][] encodePair(Tokenizer tok, String context, String continuation, boolean parseSpecial) {
        int spaces = 0;
        while (spaces < context.length() && context.charAt(context.length() - 1 - spaces) == ' ') {
            spaces++;
        }
        if (spaces > 0) {
            continuation = context.substring(context.length() - spaces) + continuation;
            context = context.substring(0, context.length() - spaces);
        }
        int[] contextTokens = tok.encode(context, false, false, parseSpecial);
        int[] whole = tok.encode(context + continuation, false, false, parseSpecial);
        int[] continuationTokens = Arrays.copyOfRange(whole, Math.min(contextTokens.length, whole.length), whole.length);
        int[] withBos = new int[contextTokens.length + 1];
        withBos[0] = tok.vocabulary().bos();
        System.arraycopy(contextTokens, 0, withBos, 1, contextTokens.length);
        return new int[][] {withBos, continuationTokens};
    }

    /**
     * A request scoring each continuation after the context (the context is the same for all of
     * them, since the rule only moves the context's trailing spaces).
     *
     * @throws IllegalArgumentException when a continuation has no tokens of its own
     */
    public static ScoreRequest request(Tokenizer tok, String context, List<String> continuations) {
        return request(tok, context, continuations, false);
    }

    /** As {@link #request(Tokenizer, String, List)}, with special-token texts parsed when asked (chat prompts). */
    public static ScoreRequest request(Tokenizer tok, String context, List<String> continuations, boolean parseSpecial) {
        int[] contextTokens = null;
        List<int[]> options = new ArrayList<>();
        for (String c : continuations) {
            int[][] pair = encodePair(tok, context, c, parseSpecial);
            contextTokens = pair[0];
            if (pair[1].length == 0) {
                throw new IllegalArgumentException("continuation \"" + c + "\" has no tokens after the context");
            }
            options.add(pair[1]);
        }
        if (contextTokens == null) {
            throw new IllegalArgumentException("give at least one continuation");
        }
        return new ScoreRequest(contextTokens, options);
    }
}
