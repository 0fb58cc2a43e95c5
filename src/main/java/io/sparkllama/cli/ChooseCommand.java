package io.sparkllama.cli;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.OptionScore;
import io.sparkllama.engine.ScoreResult;
import io.sparkllama.engine.Scoring;
import io.sparkllama.json.Json;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code choose}: which of several options is the most likely continuation of a prompt, by total
 * log-likelihood, with probabilities (a softmax over the options' log-likelihoods).
 */
final class ChooseCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "prompt", "options", "threads");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  choose --model FILE --prompt TEXT --options A,B,C   the most likely option, as JSON\n"
                + "\n"
                + "  --prompt TEXT      the context the options continue\n"
                + "  --options A,B,C    comma-separated options (a leading space matters: \" yes\" is not \"yes\")\n"
                + "  --threads N        compute threads (default: all cores)\n"
                + "Prints {\"label\", \"label_index\", \"label_probs\", \"options\": [{\"option\", \"logprob\", \"num_tokens\", \"prob\"}]}.\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        String prompt = o.require("prompt");
        List<String> options = Arrays.asList(o.require("options").split(",", -1));
        if (options.size() < 2) {
            throw new UsageException("choose: --options needs at least two comma-separated options");
        }
        int threads = o.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        LoadedModel m = ModelLoader.load(Cli.requireFile(o, "model"), Cli.optionalFile(o, "tokenizer"));
        try (Engine engine = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(options.size()).withThreads(threads))) {
            ScoreResult r = engine.score(Scoring.request(m.tokenizer(), prompt, options));
            if (r.error() != null) {
                throw new IllegalArgumentException(r.error());
            }
            double[] probs = r.probabilities();
            List<Map<String, Object>> each = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                OptionScore s = r.options().get(i);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("option", options.get(i));
                e.put("logprob", s.logprob());
                e.put("num_tokens", s.tokens().length);
                e.put("prob", probs[i]);
                each.add(e);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("label", options.get(r.best()));
            json.put("label_index", r.best());
            List<Double> p = new ArrayList<>();
            for (double d : probs) {
                p.add(d);
            }
            json.put("label_probs", p);
            json.put("options", each);
            out.println(Json.toJson(json));
        }
        return 0;
    }
}
