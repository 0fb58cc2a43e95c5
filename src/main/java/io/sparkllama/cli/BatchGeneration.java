package io.sparkllama.cli;

import io.sparkllama.engine.Engine;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.SamplingParams;

import io.sparkllama.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a JSON Lines file of prompts through an engine: submits ahead of the results (a bounded
 * window, so memory stays flat for any number of lines) and writes one result line per input
 * line in input order. A bad line (not valid UTF-8, not a JSON object, bad fields) becomes an
 * error result; it never stops the run.
 */
final class BatchGeneration {
    private final Engine engine;
    private final SamplingParams defaults;
    private final PrintStream err;
    private final Chat chat;

    private record InFlight(Object id, CompletableFuture<GenerationResult> result) {
    }

    BatchGeneration(Engine engine, SamplingParams defaults, Chat chat, PrintStream err) {
        this.engine = engine;
        this.defaults = defaults;
        this.chat = chat;
        this.err = err;
    }

    int run(Path prompts, Path output, PrintStream stdout) throws IOException {
        long rows = 0, errors = 0, promptTokens = 0, generated = 0;
        long t0 = System.nanoTime();
        int window = 4 * engine.options().maxSequences();
        ArrayDeque<InFlight> pending = new ArrayDeque<>();
        try (Utf8Lines in = new Utf8Lines(Files.newInputStream(prompts)); Writer out = writer(output, stdout)) {
            Utf8Lines.Line line;
            while ((line = in.next()) != null) {
                if (line.text() != null && line.text().isBlank()) {
                    continue;
                }
                PromptLine p = line.text() == null ? PromptLine.bad(line.number(), line.error())
                        : PromptLine.parse(line.text(), line.number(), defaults, chat);
                CompletableFuture<GenerationResult> f = p.error != null
                        ? CompletableFuture.completedFuture(GenerationResult.error(p.error, 0))
                        : engine.submit(p.request);
                pending.add(new InFlight(p.id, f));
                while (pending.size() >= window || (!pending.isEmpty() && pending.peek().result.isDone())) {
                    GenerationResult r = write(out, pending.poll());
                    rows++;
                    errors += r.error() != null ? 1 : 0;
                    promptTokens += r.promptTokens();
                    generated += r.completionTokens();
                }
            }
            while (!pending.isEmpty()) {
                GenerationResult r = write(out, pending.poll());
                rows++;
                errors += r.error() != null ? 1 : 0;
                promptTokens += r.promptTokens();
                generated += r.completionTokens();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        err.printf(Locale.ROOT, "%d rows (%d errors), %d prompt tokens, %d generated tokens in %.1f s: %.1f generated tok/s%n",
                rows, errors, promptTokens, generated, seconds, generated / Math.max(seconds, 1e-9));
        return 0;
    }

    private static Writer writer(Path output, PrintStream stdout) throws IOException {
        OutputStream os = output == null ? new NonClosing(stdout) : Files.newOutputStream(output);
        return new java.io.BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
    }

    private static GenerationResult write(Writer out, InFlight f) throws IOException {
        GenerationResult r;
        try {
            r = f.result.join();
        } catch (java.util.concurrent.CompletionException e) {
            r = GenerationResult.error(String.valueOf(e.getCause().getMessage()), 0); // the engine failed, not the line
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", f.id);
        row.put("completion", r.error() != null ? null : r.text());
        row.put("prompt_tokens", r.promptTokens());
        row.put("completion_tokens", r.completionTokens());
        row.put("finish_reason", r.finishReason().label());
        row.put("error", r.error());
        out.write(Json.toJson(row));
        out.write('\n');
        return r;
    }

    /** stdout must stay open after the results are written. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
