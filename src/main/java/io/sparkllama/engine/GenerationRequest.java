package io.sparkllama.engine;

import java.util.function.Consumer;

/**
 * One prompt to complete. Plain data.
 *
 * @param prompt        the prompt text (encoded with BOS where the vocabulary adds one), or null when
 *                      {@code promptTokens} is given
 * @param promptTokens  an already tokenized prompt (BOS included), or null
 * @param params        sampling and stopping
 * @param truncateLeft  when the prompt and its completion do not fit the context, drop prompt
 *                      tokens after BOS from the left instead of failing the request
 * @param listener      receives the completion's text as it is produced (on the engine's thread;
 *                      keep it quick), or null
 * @param parseSpecial  whether special-token texts in the prompt become those tokens (prompts a
 *                      chat template rendered); user text leaves them as text
 */
public record GenerationRequest(String prompt, int[] promptTokens, SamplingParams params, boolean truncateLeft,
                                Consumer<String> listener, boolean parseSpecial) {

    public GenerationRequest {
        if ((prompt == null) == (promptTokens == null)) {
            throw new IllegalArgumentException("give either a prompt text or prompt tokens");
        }
        if (params == null) {
            throw new IllegalArgumentException("sampling parameters are required");
        }
    }

    /** A text prompt without truncation or streaming. */
    public static GenerationRequest of(String prompt, SamplingParams params) {
        return new GenerationRequest(prompt, null, params, false, null, false);
    }

    /** A tokenized prompt without truncation or streaming. */
    public static GenerationRequest ofTokens(int[] tokens, SamplingParams params) {
        return new GenerationRequest(null, tokens, params, false, null, false);
    }

    public GenerationRequest withTruncateLeft(boolean t) {
        return new GenerationRequest(prompt, promptTokens, params, t, listener, parseSpecial);
    }

    public GenerationRequest withListener(Consumer<String> l) {
        return new GenerationRequest(prompt, promptTokens, params, truncateLeft, l, parseSpecial);
    }

    /** The same request with special-token texts in the prompt parsed as tokens (for chat-template output). */
    public GenerationRequest withParseSpecial(boolean p) {
        return new GenerationRequest(prompt, promptTokens, params, truncateLeft, listener, p);
    }
}
