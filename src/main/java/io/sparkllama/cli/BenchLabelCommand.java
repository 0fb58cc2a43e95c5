package io.sparkllama.cli;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.ScoreRequest;
import io.sparkllama.engine.ScoreResult;
import io.sparkllama.engine.Scoring;
import io.sparkllama.json.Json;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code bench-label}: the labeling workload with and without prefix reuse. Every row is a long
 * instruction shared by all rows, then a short item of its own, scored against a few options;
 * rows run through the engine concurrently, as a Spark executor's tasks feed it. Prints one JSON
 * line per run (prompt tokens/s counts every row's whole context) and one comparing them,
 * including whether every score is bit-identical.
 */
final class BenchLabelCommand implements Command {
    private static final String[] WORDS = {"the", "little", "dog", "ran", "to", "park", "and", "saw", "a", "big", "red",
        "ball", "Lily", "was", "happy", "because", "her", "mom", "gave", "cake", "Tom", "lost", "his", "toy", "in", "rain"};

    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "rows", "instruction-tokens", "item-tokens", "options", "batch-size", "threads",
                "prefix-cache");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  bench-label --model FILE [options]   labeling workload with and without prefix reuse\n"
                + "\n"
                + "  --rows N                rows to label (default 500)\n"
                + "  --instruction-tokens N  length of the instruction every row shares (default 400)\n"
                + "  --item-tokens N         length of each row's own text (default 20)\n"
                + "  --options N             labels to choose from (default 3)\n"
                + "  --batch-size N          sequences decoded together (default 16)\n"
                + "  --prefix-cache N        prefix cache in the reuse run: any N > 0 turns it on (default 4)\n"
                + "  --threads N             compute threads (default: all cores)\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        int rows = o.intValue("rows", 500, 1, 1_000_000);
        int instructionTokens = o.intValue("instruction-tokens", 400, 1, 100_000);
        int itemTokens = o.intValue("item-tokens", 20, 1, 10_000);
        int optionCount = o.intValue("options", 3, 2, 26);
        int batch = o.intValue("batch-size", 16, 1, 4096);
        int cacheSlots = o.intValue("prefix-cache", 4, 1, 1024);
        int threads = o.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        LoadedModel m = ModelLoader.load(Cli.requireFile(o, "model"), Cli.optionalFile(o, "tokenizer"));
        err.printf(Locale.ROOT, "loaded %s in %d ms%n", m.describe(), m.loadMillis());
        Tokenizer tok = m.tokenizer();
        String instruction = text(tok, instructionTokens, 0) + "\n\nText:";
        List<String> options = new ArrayList<>();
        String[] labels = {" happy", " sad", " neutral", " angry", " scared", " excited"};
        for (int i = 0; i < optionCount; i++) {
            options.add(i < labels.length ? labels[i] : " label " + i);
        }
        List<ScoreRequest> requests = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            requests.add(Scoring.request(tok, instruction + " " + text(tok, itemTokens, r + 1) + "\nLabel:", options));
        }
        EngineOptions base = EngineOptions.DEFAULTS.withMaxSequences(batch).withThreads(threads);
        Run plain = measure(m, base, requests, "no prefix reuse", out, err);
        Run reuse = measure(m, base.withPrefixCacheSlots(cacheSlots), requests, "prefix reuse", out, err);
        boolean identical = true;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < optionCount; k++) {
                double a = plain.results.get(r).options().get(k).logprob(), b = reuse.results.get(r).options().get(k).logprob();
                identical &= Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
            }
        }
        Map<String, Object> cmp = new LinkedHashMap<>();
        cmp.put("speedup", Math.round(reuse.promptTokS() / plain.promptTokS() * 100) / 100.0);
        cmp.put("identical_scores", identical);
        out.println(Json.toJson(cmp));
        err.printf(Locale.ROOT, "prefix reuse: %.1fx the prompt tokens/s; scores %s%n", reuse.promptTokS() / plain.promptTokS(),
                identical ? "bit-identical" : "DIFFER");
        return identical ? 0 : 1;
    }

    /** Deterministic text of exactly {@code tokens} tokens (words drawn by a small LCG from {@code seed}). */
    private static String text(Tokenizer tok, int tokens, long seed) {
        StringBuilder b = new StringBuilder();
        long state = seed * 6364136223846793005L + 1442695040888963407L;
        while (true) {
            state = state * 6364136223846793005L + 1442695040888963407L;
            String next = (b.length() == 0 ? "" : " ") + WORDS[(int) ((state >>> 33) % WORDS.length)];
            if (tok.encode(b + next, false, false).length > tokens) {
                return b.toString();
            }
            b.append(next);
        }
    }

    private record Run(List<ScoreResult> results, long promptTokens, double seconds) {
        double promptTokS() {
            return promptTokens / seconds;
        }
    }

    private static Run measure(LoadedModel m, EngineOptions options, List<ScoreRequest> requests, String name,
                               PrintStream out, PrintStream err) {
        try (Engine e = new Engine(m, options)) {
            e.score(requests.get(0)); // warm-up: JIT (the first row's prefix then sits in the cache, as in a real job)
            long t0 = System.nanoTime();
            List<CompletableFuture<ScoreResult>> futures = new ArrayList<>();
            for (ScoreRequest r : requests) {
                futures.add(e.submit(r));
            }
            List<ScoreResult> results = new ArrayList<>();
            long prompt = 0;
            for (CompletableFuture<ScoreResult> f : futures) {
                ScoreResult r = f.join();
                if (r.error() != null) {
                    throw new IllegalArgumentException(r.error());
                }
                results.add(r);
                prompt += r.contextTokens();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Run run = new Run(results, prompt, seconds);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("run", name);
            row.put("rows", requests.size());
            row.put("prompt_tokens", prompt);
            Engine.Stats stats = e.stats();
            row.put("reused_prompt_tokens", stats.reusedPromptTokens());
            // KV copied between blocks: the options' forks copy the context's last partial block; a shared prefix copies nothing
            row.put("kv_bytes_copied_per_row", Math.round((double) stats.kvBytesCopied() / (requests.size() + 1)));
            row.put("kv_bytes_peak", stats.kvBytesPeak());
            row.put("seconds", Math.round(seconds * 1000) / 1000.0);
            row.put("prompt_tok_s", Math.round(run.promptTokS() * 10) / 10.0);
            row.put("rows_s", Math.round(requests.size() / seconds * 100) / 100.0);
            out.println(Json.toJson(row));
            err.printf(Locale.ROOT, "%s: %d rows, %d prompt tokens in %.1f s: %.1f prompt tok/s; KV copied %,d bytes per row%n",
                    name, requests.size(), prompt, seconds, run.promptTokS(), Math.round((double) stats.kvBytesCopied()
                            / (requests.size() + 1)));
            return run;
        }
    }
}
