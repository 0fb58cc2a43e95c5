package io.sparkllama.spark;

import io.sparkllama.engine.PromptTemplate;
import io.sparkllama.engine.SamplingParams;

import java.io.Serializable;
import java.util.List;

/**
 * Everything a task needs besides the engine: column names, the job's sampling defaults and
 * prompt format. Serializable, built on the driver from the transformer's params.
 */
record GenerationSettings(String promptColumn, String idColumn, long jobSeed, float temperature, int topK, float topP,
                          int maxTokens, List<String> stop, boolean truncate, String template, ChatSettings chat,
                          String messagesColumn, int inFlight) implements Serializable {

    SamplingParams sampling(long seed) {
        return new SamplingParams(temperature, topK, topP, seed, maxTokens, stop);
    }

    PromptTemplate promptTemplate() {
        return new PromptTemplate(template);
    }
}
