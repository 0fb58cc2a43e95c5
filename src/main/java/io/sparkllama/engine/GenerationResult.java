package io.sparkllama.engine;

/**
 * The outcome of one generation request.
 *
 * @param text         the completion (without the prompt), cut before a stop string
 * @param tokens       the generated token ids (EOS/BOS that ended the sequence not included)
 * @param promptTokens number of prompt tokens, BOS included
 * @param finishReason why generation ended
 * @param error        what went wrong when {@code finishReason} is ERROR, else null
 */
public record GenerationResult(String text, int[] tokens, int promptTokens, FinishReason finishReason, String error) {

    /** A failed request. */
    public static GenerationResult error(String message, int promptTokens) {
        return new GenerationResult("", new int[0], promptTokens, FinishReason.ERROR, message);
    }

    /** Number of generated tokens. */
    public int completionTokens() {
        return tokens.length;
    }
}
