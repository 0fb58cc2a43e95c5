package io.sparkllama.cli;

import io.sparkllama.engine.EngineOptions;
import io.sparkllama.format.GgmlType;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFiles;

import io.sparkllama.engine.EngineOptions;

import io.sparkllama.json.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code inspect}: what a model file is, read from its header, metadata and tensor infos only
 * (so it works for tensor types the engine cannot load). One JSON object on stdout (see
 * {@link ModelInspection}), a readable summary on stderr.
 */
final class InspectCommand implements Command {
    @Override
    public Set<String> valued() {
        return Set.of("model", "sequences", "context", "kv");
    }

    @Override
    public Set<String> flags() {
        return Set.of("tensors");
    }

    @Override
    public String usage() {
        return "  inspect --model FILE [--tensors]   format, shapes, tokenizer and tensor types of a model file\n"
                + "\n"
                + "  --model FILE   GGUF file or llama2.c checkpoint; only the header is read, so any tensor type is fine\n"
                + "  --tensors      also list every tensor: name, type, shape (ggml order), bytes\n"
                + "  --sequences N  sequences decoded together, for the memory plan (default 16, as the jobs)\n"
                + "  --context N    positions per sequence, for the memory plan (default: the model's context length)\n"
                + "  --kv f32|f16   KV cache element type, for the memory plan (default f32)\n"
                + "Prints one JSON object: file, file_bytes, format, architecture, name, file_type, file_type_name,\n"
                + "hyperparameters, tokenizer, tied_output, tensor_types (count, elements, bytes, bits_per_weight per\n"
                + "ggml type), tensors_total, non_tensor_bytes, unsupported_types, metadata (long arrays and strings\n"
                + "summarised) and with --tensors, tensors. A readable summary goes to stderr.\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) throws Exception {
        Path path = Cli.requireFile(o, "model");
        long size = Files.size(path);
        Map<String, Object> report;
        EngineOptions plan = EngineOptions.DEFAULTS.withMaxSequences(o.intValue("sequences", 16, 1, 4096))
                .withContextLength(o.intValue("context", 0, 1, Integer.MAX_VALUE)).withKvType(BenchCommand.kvType(o));
        try (ModelFile f = ModelFiles.open(path)) {
            report = ModelInspection.of(f, size, o.has("tensors"));
            report.put("memory_plan", MemoryPlan.of(f, plan));
        }
        out.println(Json.toJson(report));
        out.flush();
        err.print(summary(report));
        return 0;
    }

    /** The report as a few aligned lines for people. */
    @SuppressWarnings("unchecked")
    static String summary(Map<String, Object> r) {
        Map<String, Object> h = (Map<String, Object>) r.get("hyperparameters");
        Map<String, Object> tok = (Map<String, Object>) r.get("tokenizer");
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %s, %s bytes%n", r.get("file"), r.get("format"), group(r.get("file_bytes"))));
        line(b, "name", r.get("name"));
        line(b, "architecture", r.get("architecture"));
        if (r.get("file_type") != null) {
            line(b, "file type", r.get("file_type") + " " + r.get("file_type_name")
                    + (r.get("quantization_version") != null ? " (quantization version " + r.get("quantization_version") + ")" : ""));
        }
        line(b, "shape", String.format(Locale.ROOT, "dim %s, %s layers, %s heads (%s KV) of size %s, FFN %s, context %s, vocab %s",
                h.get("embedding_length"), h.get("block_count"), h.get("head_count"), h.get("head_count_kv"), h.get("head_size"),
                h.get("feed_forward_length"), h.get("context_length"), h.get("vocab_size")));
        List<String> rope = new ArrayList<>();
        h.forEach((k, v) -> {
            if (k.startsWith("rope_") && !k.equals("rope_freqs_tensor")) {
                rope.add(k.substring(5) + " " + v);
            }
        });
        if (Boolean.TRUE.equals(h.get("rope_freqs_tensor"))) {
            rope.add("rope_freqs.weight present");
        }
        line(b, "rope", rope.isEmpty() ? "no rope.* keys" : String.join(", ", rope));
        line(b, "rms eps", h.get("rms_eps"));
        line(b, "tokenizer", tok == null ? "none in the file (llama2.c checkpoints need --tokenizer)" : tokenizer(tok));
        line(b, "output head", Boolean.TRUE.equals(r.get("tied_output")) ? "tied to token_embd.weight (no output.weight)"
                : "output.weight");
        b.append(String.format(Locale.ROOT, "  %-13s %-8s %7s %15s %15s %12s%n", "tensors", "type", "count", "elements", "bytes",
                "bits/weight"));
        Map<String, Object> types = (Map<String, Object>) r.get("tensor_types");
        types.forEach((type, v) -> typeRow(b, type, (Map<String, Object>) v));
        typeRow(b, "total", (Map<String, Object>) r.get("tensors_total"));
        line(b, "other bytes", group(r.get("non_tensor_bytes")) + (String.valueOf(r.get("format")).startsWith("GGUF")
                ? " (header, metadata, alignment padding)" : " (header, unused RoPE tables)"));
        List<String> unsupported = (List<String>) r.get("unsupported_types");
        if (!unsupported.isEmpty()) {
            List<String> supported = new ArrayList<>();
            for (GgmlType t : GgmlType.values()) {
                if (t.supported) {
                    supported.add(t.name());
                }
            }
            line(b, "engine", "cannot load " + String.join(", ", unsupported) + " tensors yet (it loads "
                    + String.join(", ", supported) + ")");
        }
        if (r.get("tensors") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> t = (Map<String, Object>) o;
                b.append(String.format(Locale.ROOT, "    %-32s %-7s %-16s %15s%n", t.get("name"), t.get("type"), t.get("shape"),
                        group(t.get("bytes"))));
            }
        }
        Object plan = r.get("memory_plan");
        if (plan instanceof Map<?, ?> p) {
            line(b, "memory plan", p.get("summary"));
        }
        return b.toString();
    }

    private static String tokenizer(Map<String, Object> t) {
        StringBuilder s = new StringBuilder();
        s.append(t.get("model"));
        if (t.get("pre") != null) {
            s.append(" (pre ").append(t.get("pre")).append(')');
        }
        s.append(", ").append(group(t.get("tokens"))).append(" tokens");
        if (((Number) t.get("merges")).longValue() > 0) {
            s.append(", ").append(group(t.get("merges"))).append(" merges");
        }
        s.append(", BOS ").append(t.get("bos_id")).append(", EOS ").append(t.get("eos_id"));
        s.append(Boolean.TRUE.equals(t.get("chat_template"))
                ? ", chat template (" + group(t.get("chat_template_chars")) + " chars)" : ", no chat template");
        return s.toString();
    }

    private static void typeRow(StringBuilder b, String type, Map<String, Object> v) {
        b.append(String.format(Locale.ROOT, "  %-13s %-8s %7s %15s %15s %12s%n", "", type, v.get("count"), group(v.get("elements")),
                group(v.get("bytes")), v.get("bits_per_weight")));
    }

    private static void line(StringBuilder b, String label, Object value) {
        b.append(String.format(Locale.ROOT, "  %-13s %s%n", label, value));
    }

    private static String group(Object n) {
        return n instanceof Number num ? String.format(Locale.ROOT, "%,d", num.longValue()) : String.valueOf(n);
    }
}
