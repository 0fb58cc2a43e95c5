package io.sparkllama.cli;

import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.Generator;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.tokenizer.TextDecoder;
import io.sparkllama.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code generate}: the prompt followed by its completion on stdout, nothing else; statistics
 * on stderr. With temperature 0 the output is what llama2.c's {@code run} prints for the same
 * model, prompt and number of new tokens.
 */
final class GenerateCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "prompt", "max-tokens", "temperature", "top-p", "top-k", "seed", "threads");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  generate --model FILE [--prompt TEXT] [options]   complete a prompt\n"
                + "\n"
                + "  --model FILE        GGUF (F32, F16, BF16, Q8_0, Q4_0) or llama2.c checkpoint\n"
                + "  --tokenizer FILE    llama2.c tokenizer.bin (default: embedded in GGUF, or tokenizer.bin beside the model)\n"
                + "  --prompt TEXT       prompt (default: empty, generation starts from BOS)\n"
                + "  --max-tokens N      new tokens at most (default 256)\n"
                + "  --temperature T     0 = greedy (default 1.0)\n"
                + "  --top-p P           nucleus sampling threshold in (0, 1] (default 0.9)\n"
                + "  --top-k K           sample among the K most likely tokens, 0 = all (default 0)\n"
                + "  --seed S            random seed (default: from the clock, printed on stderr)\n"
                + "  --threads N         compute threads (default: all cores)\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        SamplingParams params = new SamplingParams(
                o.floatValue("temperature", 1.0f, 0f, 100f),
                o.intValue("top-k", 0, 0, Integer.MAX_VALUE),
                Cli.topP(o),
                o.longValue("seed", System.nanoTime()),
                o.intValue("max-tokens", 256, 0, Integer.MAX_VALUE),
                List.of());
        int threads = o.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        LoadedModel m = ModelLoader.load(Cli.requireFile(o, "model"), Cli.optionalFile(o, "tokenizer"));
        err.printf(Locale.ROOT, "loaded %s in %d ms%n", m.describe(), m.loadMillis());

        Tokenizer tok = m.tokenizer();
        int[] prompt = tok.encode(o.get("prompt") == null ? "" : o.get("prompt"), true, false);
        TextDecoder text = new TextDecoder();
        for (int i = 1; i < prompt.length; i++) {
            out.print(text.push(tok.decode(prompt[i - 1], prompt[i])));
        }
        out.flush();
        GenerationResult r;
        try (Generator g = new Generator(m, threads)) {
            r = g.generate(prompt, params, chunk -> {
                out.print(chunk);
                out.flush();
            });
            double prefill = g.prefillNanos() / 1e9, decode = g.decodeNanos() / 1e9;
            err.printf(Locale.ROOT, "%nprompt %d tokens, prefill %.1f tok/s; generated %d tokens in %.2f s, %.1f tok/s "
                            + "(%d threads, seed %d, finish: %s)%n",
                    prompt.length, prompt.length / Math.max(prefill, 1e-9), r.completionTokens(), decode,
                    g.decodeSteps() / Math.max(decode, 1e-9), threads, params.seed(), r.finishReason().label());
        }
        return 0;
    }
}
