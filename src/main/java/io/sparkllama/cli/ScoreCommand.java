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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code score}: the log-likelihood of a text, or of a continuation after a context, as one JSON
 * object: {@code logprob}, {@code tokens} (the scored sequence, BOS first), {@code token_logprobs}
 * (aligned with {@code tokens}; null for context tokens, which are not scored),
 * {@code num_tokens}, {@code is_greedy} and {@code perplexity}.
 */
final class ScoreCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "text", "context", "continuation", "threads");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  score --model FILE (--text TEXT | --context TEXT --continuation TEXT)   log-likelihood as JSON\n"
                + "\n"
                + "  --text TEXT          score a whole text after BOS\n"
                + "  --context TEXT       context of the continuation (lm-evaluation-harness's split:\n"
                + "                       trailing spaces of the context move to the continuation)\n"
                + "  --continuation TEXT  the text whose log-likelihood is computed\n"
                + "  --threads N          compute threads (default: all cores)\n"
                + "Prints {\"logprob\", \"tokens\", \"token_logprobs\", \"num_tokens\", \"is_greedy\", \"perplexity\"}.\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        String context, continuation;
        if (o.has("text")) {
            if (o.has("context") || o.has("continuation")) {
                throw new UsageException("score: give --text, or --context and --continuation");
            }
            context = "";
            continuation = o.get("text");
        } else {
            context = o.require("context");
            continuation = o.require("continuation");
        }
        int threads = o.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        LoadedModel m = ModelLoader.load(Cli.requireFile(o, "model"), Cli.optionalFile(o, "tokenizer"));
        try (Engine engine = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(threads))) {
            ScoreResult r = engine.score(Scoring.request(m.tokenizer(), context, List.of(continuation)));
            if (r.error() != null) {
                throw new IllegalArgumentException(r.error());
            }
            OptionScore s = r.options().get(0);
            int[][] pair = Scoring.encodePair(m.tokenizer(), context, continuation);
            List<Integer> tokens = new ArrayList<>();
            List<Object> logprobs = new ArrayList<>();
            for (int t : pair[0]) {
                tokens.add(t);
                logprobs.add(null);
            }
            for (int i = 0; i < s.tokens().length; i++) {
                tokens.add(s.tokens()[i]);
                logprobs.add(s.tokenLogprobs()[i]);
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("logprob", s.logprob());
            json.put("tokens", tokens);
            json.put("token_logprobs", logprobs);
            json.put("num_tokens", s.tokens().length);
            json.put("is_greedy", s.greedy());
            json.put("perplexity", s.perplexity());
            out.println(Json.toJson(json));
        }
        return 0;
    }
}
