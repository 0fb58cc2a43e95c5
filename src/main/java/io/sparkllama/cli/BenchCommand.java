package io.sparkllama.cli;

import io.sparkllama.engine.Benchmark;
import io.sparkllama.engine.ByteSize;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.json.Json;
import io.sparkllama.kernels.ComputePool;
import io.sparkllama.model.KvCache;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code bench}: prefill and decode throughput per batch size, one JSON line each on stdout. */
final class BenchCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "batch", "prompt-tokens", "gen-tokens", "threads", "kv", "prefill-chunk", "reps",
                "context", "kv-memory", "kv-block");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  bench --model FILE [--batch 1,8,32] [options]      prefill and decode tokens/s per batch size\n"
                + "\n"
                + "  --model FILE          model to measure (random prompt tokens; the weights' values do not matter)\n"
                + "  --batch LIST          comma-separated batch sizes (default 1)\n"
                + "  --prompt-tokens N     prompt tokens per sequence (default 128)\n"
                + "  --gen-tokens N        generated tokens per sequence (default 128)\n"
                + "  --threads N           compute threads (default: all cores)\n"
                + "  --kv f32|f16          KV cache element type (default f32)\n"
                + "  --prefill-chunk N     prompt tokens per forward step (default 64)\n"
                + "  --reps N              measured repetitions after a warm-up; the best is reported (default 3)\n"
                + "  --context N           positions each sequence may use, sizing the KV cache as an engine would\n"
                + "                        (default: prompt + generated tokens)\n"
                + "  --kv-memory SIZE      KV cache memory, e.g. 4g (default: every sequence at the full context, at\n"
                + "                        most 60% of the heap left after the weights)\n"
                + "  --kv-block N          positions per KV block (default 32)\n"
                + "Prints one JSON object per batch size: weight_type, threads, batch, prefill_tok_s, decode_tok_s\n"
                + "(all sequences together), ms_per_step, peak_heap_mb, kv_bytes_reserved (the KV cache's capacity),\n"
                + "kv_bytes_peak (KV blocks held at most: it follows the tokens, not sequences x context).\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        int threads = o.intValue("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
        int prompt = o.intValue("prompt-tokens", 128, 1, 1 << 20);
        int gen = o.intValue("gen-tokens", 128, 1, 1 << 20);
        int chunk = o.intValue("prefill-chunk", 64, 1, 4096);
        int reps = o.intValue("reps", 3, 1, 100);
        KvCache.Type kv = kvType(o);
        EngineOptions options = EngineOptions.DEFAULTS.withKvType(kv).withPrefillChunk(chunk)
                .withContextLength(o.intValue("context", 0, 1, 1 << 24))
                .withKvBlockSize(o.intValue("kv-block", KvCache.DEFAULT_BLOCK_SIZE, 1, 4096))
                .withKvBudgetBytes(kvMemory(o));
        int[] batches = batchList(o.get("batch") == null ? "1" : o.get("batch"));
        LoadedModel m = ModelLoader.load(Cli.requireFile(o, "model"), Cli.optionalFile(o, "tokenizer"));
        err.printf(Locale.ROOT, "loaded %s in %d ms%n", m.describe(), m.loadMillis());
        try (ComputePool pool = new ComputePool(threads, "llama-bench")) {
            Benchmark bench = new Benchmark(m.model(), pool, options);
            for (int b : batches) {
                Benchmark.Result r = bench.run(b, prompt, gen, reps);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", m.path().getFileName().toString());
                row.put("weight_type", m.model().weights().layers()[0].wq().type().name());
                row.put("threads", threads);
                row.put("batch", b);
                row.put("prompt_tokens", prompt);
                row.put("gen_tokens", gen);
                row.put("kv", kv.name());
                row.put("reps", reps);
                row.put("prefill_tok_s", round(r.prefillTokS()));
                row.put("decode_tok_s", round(r.decodeTokS()));
                row.put("ms_per_step", round(r.msPerStep()));
                row.put("peak_heap_mb", r.peakHeapMb());
                row.put("context", options.contextLength() == 0 ? prompt + gen : options.contextFor(m.config()));
                row.put("kv_block", options.kvBlockSize());
                row.put("kv_bytes_reserved", r.kvBytesReserved());
                row.put("kv_bytes_peak", r.kvBytesPeak());
                out.println(Json.toJson(row));
                out.flush();
                err.printf(Locale.ROOT, "batch %d: prefill %.1f tok/s, decode %.1f tok/s (%.2f ms/step); KV peak %,d MB of %,d MB%n",
                        b, r.prefillTokS(), r.decodeTokS(), r.msPerStep(), r.kvBytesPeak() >> 20, r.kvBytesReserved() >> 20);
            }
        }
        return 0;
    }

    static KvCache.Type kvType(Options o) {
        try {
            return o.get("kv") == null ? KvCache.Type.F32 : KvCache.Type.parse(o.get("kv"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--kv must be f32 or f16, got '" + o.get("kv") + "'");
        }
    }

    /** {@code --kv-memory} in bytes (0: the default sizing). */
    static long kvMemory(Options o) {
        String v = o.get("kv-memory");
        try {
            return v == null ? 0 : ByteSize.parse(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--kv-memory: " + e.getMessage());
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static int[] batchList(String s) {
        String[] parts = s.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                out[i] = 0;
            }
            if (out[i] < 1 || out[i] > 4096) {
                throw new UsageException("--batch must be a comma-separated list of sizes from 1 to 4096, got '" + s + "'");
            }
        }
        return out;
    }
}
