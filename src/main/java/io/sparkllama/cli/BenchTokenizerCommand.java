package io.sparkllama.cli;

import io.sparkllama.json.Json;
import io.sparkllama.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code bench-tokenizer}: how fast the model's tokenizer encodes whole text files, one JSON line
 * per file on stdout. Each file is encoded once to warm up, then {@code --reps} times; the best
 * time is reported.
 */
final class BenchTokenizerCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "tokenizer", "texts", "reps");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  bench-tokenizer --model FILE --texts A.txt,B.txt [--reps N]   tokenizer speed on text files\n"
                + "\n"
                + "  --model FILE      GGUF file whose tokenizer to measure (or a llama2.c checkpoint with --tokenizer)\n"
                + "  --tokenizer FILE  llama2.c tokenizer.bin, or a GGUF file whose vocabulary to use\n"
                + "  --texts LIST      comma-separated UTF-8 text files, each encoded whole\n"
                + "  --reps N          measured encodings per file after a warm-up; the best is reported (default 3)\n"
                + "Prints one JSON object per file: file, bytes, tokens, seconds, tokens_per_s, mb_per_s.\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        if (!o.has("model") && !o.has("tokenizer")) {
            throw new UsageException("bench-tokenizer: give --model or --tokenizer");
        }
        int reps = o.intValue("reps", 3, 1, 100);
        Tokenizer tok = Tokenizer.of(TokenizeCommand.vocabulary(Cli.optionalFile(o, "model"), Cli.optionalFile(o, "tokenizer")));
        for (String name : o.require("texts").split(",")) {
            Path file = Path.of(name.trim());
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": no such file (--texts)");
            }
            byte[] bytes = Files.readAllBytes(file);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int tokens = tok.encode(text, false, false).length;
            long best = Long.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                tok.encode(text, false, false);
                best = Math.min(best, System.nanoTime() - t0);
            }
            double seconds = best / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("file", file.getFileName().toString());
            row.put("bytes", (long) bytes.length);
            row.put("tokens", (long) tokens);
            row.put("seconds", Math.round(seconds * 1e4) / 1e4);
            row.put("tokens_per_s", Math.round(tokens / seconds));
            row.put("mb_per_s", Math.round(bytes.length / seconds / 1e4) / 100.0);
            out.println(Json.toJson(row));
            err.printf(Locale.ROOT, "%s: %,d bytes -> %,d tokens in %.3f s: %,.0f tokens/s, %.2f MB/s%n", file.getFileName(),
                    bytes.length, tokens, seconds, tokens / seconds, bytes.length / seconds / 1e6);
        }
        return 0;
    }
}
