package io.sparkllama.engine;

import io.sparkllama.tokenizer.TextDecoder;
import io.sparkllama.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One request's decoding state: its prompt, how much of it is in the KV cache, the tokens and
 * text generated so far, its random stream and its stop conditions. The engine loop feeds it
 * prompt chunks, then one token per step, and hands it each sampled token.
 */
final class Sequence {
    final int[] prompt;
    final SamplingParams params;
    final Rng rng;
    /** Positions available to this sequence (the KV cache's context). */
    private final int contextLimit;
    private final Tokenizer tokenizer;
    private final TextDecoder decoder = new TextDecoder();
    private final StopMatcher stops;
    private final Consumer<String> listener;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private int[] generated = new int[32];
    private int generatedCount;
    /** Tokens fed to the model so far: positions 0..fed-1 are in the cache. */
    private int fed;
    private FinishReason finish;

    Sequence(int[] prompt, SamplingParams params, Tokenizer tokenizer, int contextLimit, Consumer<String> listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prompt has no tokens");
        }
        if (prompt.length > contextLimit) {
            throw new IllegalArgumentException("prompt has " + prompt.length + " tokens, more than the context of "
                    + contextLimit);
        }
        this.prompt = prompt;
        this.params = params;
        this.rng = new Rng(params.seed());
        this.tokenizer = tokenizer;
        this.contextLimit = contextLimit;
        this.stops = new StopMatcher(params.stop());
        this.listener = listener;
    }

    boolean prefilling() {
        return fed < prompt.length;
    }

    /** Prompt tokens not yet fed. */
    int promptRemaining() {
        return prompt.length - fed;
    }

    /** Position of the next token to feed. */
    int position() {
        return fed;
    }

    /** The token to feed next when decoding: the last one generated. */
    int lastToken() {
        return generated[generatedCount - 1];
    }

    /** Records that {@code n} more tokens were fed; returns whether logits are needed after them. */
    boolean advance(int n) {
        fed += n;
        if (!prefilling() && params.maxTokens() == 0) {
            finish(FinishReason.LENGTH, true);
            return false;
        }
        return !prefilling();
    }

    /** Tokens generated so far. */
    int generatedCount() {
        return generatedCount;
    }

    boolean finished() {
        return finish != null;
    }

    /** Takes the token sampled from the logits after the last fed token. */
    void accept(int token) {
        int bos = tokenizer.vocabulary().bos(), eos = tokenizer.vocabulary().eos();
        if (token == eos || token == bos) {
            finish(FinishReason.STOP, true);
            return;
        }
        int prev = generatedCount == 0 ? prompt[prompt.length - 1] : generated[generatedCount - 1];
        if (generatedCount == generated.length) {
            generated = Arrays.copyOf(generated, generatedCount * 2);
        }
        generated[generatedCount++] = token;
        int before = text.length();
        text.append(decoder.push(tokenizer.decode(prev, token)));
        int stopAt = stops.find(text, before);
        if (stopAt >= 0) {
            text.setLength(stopAt);
            finish(FinishReason.STOP, false);
            return;
        }
        if (generatedCount >= params.maxTokens() || fed >= contextLimit) {
            finish(FinishReason.LENGTH, true);
            return;
        }
        release(stops.safeLength(text));
    }

    /** Ends the sequence; the decoder's unfinished character (if any) is flushed unless the text was cut at a stop string. */
    private void finish(FinishReason reason, boolean flush) {
        if (flush) {
            text.append(decoder.finish());
        }
        finish = reason;
        release(text.length());
    }

    private void release(int upTo) {
        if (listener != null && upTo > released) {
            listener.accept(text.substring(released, upTo));
        }
        released = Math.max(released, upTo);
    }

    GenerationResult result() {
        return new GenerationResult(text.toString(), Arrays.copyOf(generated, generatedCount), prompt.length, finish, null);
    }
}
