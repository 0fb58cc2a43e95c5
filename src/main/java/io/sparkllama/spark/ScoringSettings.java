package io.sparkllama.spark;

import io.sparkllama.engine.PromptTemplate;

import java.io.Serializable;
import java.util.List;

/**
 * What a scoring task needs besides the engine. Choose mode: {@code promptColumn} (through the
 * template) is the context and the options come from {@code options} or {@code optionsColumn}.
 * Score mode: {@code contextColumn} (null for none: score after BOS) and {@code continuationColumn}.
 */
record ScoringSettings(boolean choose, String idColumn, String promptColumn, List<String> options, String optionsColumn,
                       String contextColumn, String continuationColumn, String template, ChatSettings chat,
                       int inFlight) implements Serializable {

    PromptTemplate promptTemplate() {
        return new PromptTemplate(template);
    }
}
