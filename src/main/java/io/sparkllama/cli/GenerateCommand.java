package io.sparkllama.cli;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.MemoryBudget;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.tokenizer.TextDecoder;
import io.sparkllama.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code generate}: with {@code --prompt}, the prompt followed by its completion on stdout and
 * nothing else (with temperature 0, what llama2.c's {@code run} prints for the same model,
 * prompt and number of new tokens); with {@code --prompts FILE.jsonl}, one JSON result line per
 * input line (see {@link BatchGeneration}). Statistics go to stderr.
 */
final class GenerateCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "prompt", "prompts", "output", "batch-size", "max-tokens", "temperature",
                "top-p", "top-k", "seed", "stop", "threads", "kv", "context", "prefill-chunk", "prefix-cache", "kv-memory", "kv-block",
                "chat-format", "system", "chat-date");
    }

    @Override
    public Set<String> flags() {
        return Set.of("chat");
    }

    @Override
    public String usage() {
        return "  generate --model FILE (--prompt TEXT | --prompts FILE.jsonl) [options]   complete prompts\n"
                + "\n"
                + "  --model FILE        GGUF (every type of README's table) or llama2.c checkpoint\n"
                + "  --tokenizer FILE    llama2.c tokenizer.bin (default: embedded in GGUF, or tokenizer.bin beside the model)\n"
                + "  --prompt TEXT       one prompt (default: empty, generation starts from BOS)\n"
                + "  --prompts FILE      JSON Lines, one {\"id\", \"prompt\", optional \"temperature\", \"top_p\", \"top_k\",\n"
                + "                      \"seed\", \"max_tokens\", \"stop\", \"truncate\"} per line; writes one result line each,\n"
                + "                      in input order: {\"id\", \"completion\", \"prompt_tokens\", \"completion_tokens\",\n"
                + "                      \"finish_reason\", \"error\"}\n"
                + "  --output FILE       where --prompts results go (default: stdout)\n"
                + "  --batch-size N      sequences decoded together (default 16; 1 with --prompt)\n"
                + "  --max-tokens N      new tokens at most (default 256)\n"
                + "  --temperature T     0 = greedy (default 1.0)\n"
                + "  --top-p P           nucleus sampling threshold in (0, 1] (default 0.9)\n"
                + "  --top-k K           sample among the K most likely tokens, 0 = all (default 0)\n"
                + "  --seed S            random seed (default: from the clock, printed on stderr); with --prompts, each\n"
                + "                      line without a seed gets one derived from S and its id\n"
                + "  --stop TEXT         stop when the completion produces TEXT (not included)\n"
                + "  --threads N         compute threads (default: all cores)\n"
                + "  --kv f32|f16        KV cache element type (default f32)\n"
                + "  --context N         positions per sequence (default: the model's context length)\n"
                + "  --prefill-chunk N   prompt tokens per step (default 64)\n"
                + "  --prefix-cache N    1 (any N > 0): keep the full KV blocks of recent prompts and share them with\n"
                + "                      prompts that start the same way (default 0: off)\n"
                + "  --kv-memory SIZE    KV cache memory, e.g. 2g (default: every sequence at the full context, at most\n"
                + "                      60% of the heap left after the weights)\n"
                + "  --kv-block N        positions per KV block (default 32)\n"
                + Chat.USAGE;
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (o.has("prompt") && o.has("prompts")) {
            throw new UsageException("generate: give --prompt or --prompts, not both");
        }
        if (o.has("output") && !o.has("prompts")) {
            throw new UsageException("generate: --output goes with --prompts");
        }
        SamplingParams params = new SamplingParams(
                o.floatValue("temperature", 1.0f, 0f, 100f),
                o.intValue("top-k", 0, 0, Integer.MAX_VALUE),
                Cli.topP(o),
                o.longValue("seed", System.nanoTime()),
                o.intValue("max-tokens", 256, 0, Integer.MAX_VALUE),
                o.get("stop") == null ? List.of() : List.of(nonEmpty(o.get("stop"))));
        boolean batch = o.has("prompts");
        EngineOptions engineOptions = new EngineOptions(
                o.intValue("batch-size", batch ? 16 : 1, 1, 4096),
                o.intValue("context", 0, 1, Integer.MAX_VALUE),
                BenchCommand.kvType(o),
                o.intValue("prefill-chunk", 64, 1, 4096),
                o.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 1024),
                BenchCommand.kvMemory(o),
                o.intValue("prefix-cache", 0, 0, 1024),
                o.intValue("kv-block", KvCache.DEFAULT_BLOCK_SIZE, 1, 4096));
        if (batch) {
            Cli.requireFile(o, "prompts");
        }
        MemoryBudget.checkBeforeLoading(Cli.requireFile(o, "model"), engineOptions);
        LoadedModel m = ModelLoader.load(Cli.requireFile(o, "model"), Cli.optionalFile(o, "tokenizer"));
        err.printf(Locale.ROOT, "loaded %s in %d ms%n", m.describe(), m.loadMillis());
        Chat chat = Chat.of(o, m);
        try (Engine engine = new Engine(m, engineOptions)) {
            if (batch) {
                return new BatchGeneration(engine, params, chat, err).run(o.path("prompts"), o.path("output"), out);
            }
            return single(engine, o.get("prompt") == null ? "" : o.get("prompt"), chat, params, out, err);
        }
    }

    private static String nonEmpty(String stop) {
        if (stop.isEmpty()) {
            throw new UsageException("generate: --stop must not be empty");
        }
        return stop;
    }

    /** One prompt, echoed and then completed on stdout as it is produced; with --chat only the reply is printed. */
    private static int single(Engine engine, String promptText, Chat chat, SamplingParams params, PrintStream out, PrintStream err) {
        GenerationRequest request;
        if (chat != null) {
            // the engine tokenizes a chat prompt as every chat request (special tokens parsed)
            request = GenerationRequest.of(chat.render(promptText), params).withParseSpecial(true);
        } else {
            Tokenizer tok = engine.model().tokenizer();
            // an empty prompt starts from BOS
            int[] prompt = tok.encode(promptText, tok.vocabulary().addBos() || promptText.isEmpty(), false);
            TextDecoder text = new TextDecoder();
            for (int i = 1; i < prompt.length; i++) {
                out.print(text.push(tok.decode(prompt[i - 1], prompt[i])));
            }
            out.flush();
            request = GenerationRequest.ofTokens(prompt, params);
        }
        long[] firstText = {0};
        long t0 = System.nanoTime();
        GenerationResult r = engine.generate(request.withListener(chunk -> {
            if (firstText[0] == 0) {
                firstText[0] = System.nanoTime();
            }
            out.print(chunk);
            out.flush();
        }));
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (r.finishReason() == io.sparkllama.engine.FinishReason.ERROR) {
            throw new IllegalArgumentException(r.error());
        }
        err.printf(Locale.ROOT, "%nprompt %d tokens; generated %d tokens in %.2f s, %.1f tok/s; first text after %.0f ms "
                        + "(%d threads, seed %d, finish: %s)%n",
                r.promptTokens(), r.completionTokens(), seconds, r.completionTokens() / Math.max(seconds, 1e-9),
                firstText[0] == 0 ? 0 : (firstText[0] - t0) / 1e6, engine.options().effectiveThreads(), params.seed(),
                r.finishReason().label());
        return 0;
    }
}
