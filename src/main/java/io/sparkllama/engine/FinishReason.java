package io.sparkllama.engine;

import java.util.Locale;

/** Why a sequence ended. */
public enum FinishReason {
    /** End-of-sequence (EOS or BOS) sampled, or a stop string produced. */
    STOP,
    /** The token limit of the request or the context length was reached. */
    LENGTH,
    /** The request could not be run; see its error message. */
    ERROR;

    /** Lower-case name, as written to output rows. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
