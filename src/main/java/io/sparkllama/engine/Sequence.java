package io.sparkllama.engine;

import io.sparkllama.tokenizer.TextDecoder;
import io.sparkllama.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A generation request's state: the tokens and text generated so far, its random stream and its
 * stop conditions. After the prompt, it feeds its last token each step and samples the next from
 * that token's logits.
 */
final class Sequence extends EngineTask {
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
    private final java.util.concurrent.CompletableFuture<GenerationResult> future;
    private FinishReason finish;

    Sequence(int[] prompt, SamplingParams params, Tokenizer tokenizer, int contextLimit, Consumer<String> listener,
             java.util.concurrent.CompletableFuture<GenerationResult> future) {
        super(prompt);
        if (prompt.length > contextLimit) {
            throw new IllegalArgumentException("prompt has " + prompt.length + " tokens, more than the context of "
                    + contextLimit);
        }
        this.future = future;
        this.params = params;
        this.rng = new Rng(params.seed());
        this.tokenizer = tokenizer;
        this.contextLimit = contextLimit;
        this.stops = new StopMatcher(params.stop());
        this.listener = listener;
    }

    @Override
    void promptDone(float[] logits, int offset, Sampler sampler) {
        if (params.maxTokens() == 0) {
            finish(FinishReason.LENGTH, true);
            return;
        }
        accept(sampler.sample(logits, offset, params, rng));
    }

    @Override
    void plan(Planner planner) {
        if (!finished()) {
            planner.add(this, 0, generated[generatedCount - 1], fed, slot, true, false);
        }
    }

    @Override
    void onLogits(int tag, float[] logits, int offset, Sampler sampler) {
        fed++;
        accept(sampler.sample(logits, offset, params, rng));
    }

    @Override
    int blocksNeeded(int blockSize, int slots) {
        // the last sampled token is never fed, so the positions are the prompt and max_tokens - 1
        return blocks(Math.min(contextLimit, prompt.length + Math.max(0L, params.maxTokens() - 1L)), blockSize);
    }

    @Override
    boolean abandoned() {
        return future.isDone();
    }

    @Override
    int outputTokens() {
        return generatedCount;
    }

    /** Tokens generated so far. */
    int generatedCount() {
        return generatedCount;
    }

    @Override
    boolean finished() {
        return finish != null;
    }

    /** Takes the token sampled from the logits after the last fed token. */
    void accept(int token) {
        // every end-of-generation token of the vocabulary (EOS, EOT, EOM), and BOS as run.c does
        if (tokenizer.vocabulary().endsGeneration(token) || token == tokenizer.vocabulary().bos()) {
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

    /** Passes text up to {@code upTo} to the listener; a listener that throws fails this request only. */
    private void release(int upTo) {
        if (listener != null && upTo > released && !future.isDone()) {
            try {
                listener.accept(text.substring(released, upTo));
            } catch (RuntimeException | Error e) {
                future.completeExceptionally(e);
            }
        }
        released = Math.max(released, upTo);
    }

    GenerationResult result() {
        return new GenerationResult(text.toString(), Arrays.copyOf(generated, generatedCount), prompt.length, finish, null);
    }

    @Override
    void complete() {
        future.complete(result());
    }

    @Override
    void abort(EngineFailureException failure) {
        future.completeExceptionally(failure);
    }
}
