package io.sparkllama.cli;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.GgufArray;
import io.sparkllama.format.LlamaFileType;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.TensorInfo;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model file is, from its header, metadata and tensor infos alone (never its tensor
 * data, so any tensor type the reader can name is fine), as a JSON-ready map. Metadata arrays
 * longer than {@link #SHORT_ARRAY} elements and strings longer than {@link #SHORT_STRING}
 * characters are summarised, never copied: a vocabulary is hundreds of thousands of strings.
 */
final class ModelInspection {
    static final int SHORT_ARRAY = 16;
    static final int SHORT_STRING = 256;
    private static final String TOK = "tokenizer.ggml.";

    private ModelInspection() {
    }

    /** Bytes, elements and count of the tensors of one type. */
    static final class TypeTotal {
        int count;
        long elements;
        long bytes;

        void add(TensorInfo t) {
            count++;
            elements += t.elements();
            bytes += t.bytes();
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", count);
            m.put("elements", elements);
            m.put("bytes", bytes);
            m.put("bits_per_weight", elements == 0 ? null : Math.round(bytes * 8.0 / elements * 1000) / 1000.0);
            return m;
        }
    }

    /**
     * The report of {@code f}: file, format, architecture, hyperparameters, tokenizer, file type,
     * tensors per type with totals, whether the output head is tied, every metadata key
     * (summarised), and with {@code listTensors} every tensor.
     */
    static Map<String, Object> of(ModelFile f, long fileBytes, boolean listTensors) {
        Map<String, Object> md = f.metadata();
        Map<String, TensorInfo> tensors = f.tensors();
        String arch = md.get("general.architecture") instanceof String s ? s : null;

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", f.path().toString());
        r.put("file_bytes", fileBytes);
        r.put("format", f.format());
        r.put("architecture", arch);
        r.put("name", md.get("general.name"));
        Object ftype = md.get("general.file_type");
        r.put("file_type", ftype);
        r.put("file_type_name", ftype instanceof Long l ? LlamaFileType.name(l) : null);
        r.put("quantization_version", md.get("general.quantization_version"));
        r.put("hyperparameters", hyperparameters(md, tensors, arch == null ? "llama" : arch));
        r.put("tokenizer", tokenizer(md));
        r.put("tied_output", !tensors.containsKey("output.weight"));

        Map<GgmlType, TypeTotal> perType = new EnumMap<>(GgmlType.class);
        TypeTotal total = new TypeTotal();
        for (TensorInfo t : tensors.values()) {
            perType.computeIfAbsent(t.type(), k -> new TypeTotal()).add(t);
            total.add(t);
        }
        Map<String, Object> types = new LinkedHashMap<>();
        List<String> unsupported = new ArrayList<>();
        perType.forEach((type, tt) -> {
            types.put(type.name(), tt.toJson());
            if (!type.supported) {
                unsupported.add(type.name());
            }
        });
        r.put("tensor_types", types);
        r.put("tensors_total", total.toJson());
        // header, metadata and alignment padding; llama2.c files also hold unused RoPE tables
        r.put("non_tensor_bytes", fileBytes - total.bytes);
        r.put("unsupported_types", unsupported);
        r.put("metadata", metadata(md));
        if (listTensors) {
            List<Object> list = new ArrayList<>();
            for (TensorInfo t : tensors.values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", t.name());
                m.put("type", t.type().name());
                List<Long> shape = new ArrayList<>();
                for (long d : t.dims()) {
                    shape.add(d);
                }
                m.put("shape", shape);
                m.put("bytes", t.bytes());
                list.add(m);
            }
            r.put("tensors", list);
        }
        return r;
    }

    private static Map<String, Object> hyperparameters(Map<String, Object> md, Map<String, TensorInfo> tensors, String arch) {
        String p = arch + ".";
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("embedding_length", summary(md.get(p + "embedding_length")));
        h.put("block_count", summary(md.get(p + "block_count")));
        h.put("head_count", summary(md.get(p + "attention.head_count")));
        h.put("head_count_kv", summary(md.get(p + "attention.head_count_kv")));
        h.put("head_size", headSize(md, p));
        h.put("feed_forward_length", summary(md.get(p + "feed_forward_length")));
        h.put("context_length", summary(md.get(p + "context_length")));
        for (Map.Entry<String, Object> e : md.entrySet()) {
            if (e.getKey().startsWith(p + "rope.")) { // freq_base, dimension_count, scaling.* when present
                h.put("rope_" + e.getKey().substring(p.length() + 5).replace('.', '_'), summary(e.getValue()));
            }
        }
        h.put("rope_freqs_tensor", tensors.containsKey("rope_freqs.weight"));
        h.put("rms_eps", summary(md.get(p + "attention.layer_norm_rms_epsilon")));
        h.put("vocab_size", vocabSize(md, tensors, p));
        return h;
    }

    /** attention.key_length when given, else embedding length / heads. */
    private static Object headSize(Map<String, Object> md, String p) {
        if (md.get(p + "attention.key_length") instanceof Long k) {
            return k;
        }
        if (md.get(p + "embedding_length") instanceof Long d && md.get(p + "attention.head_count") instanceof Long n && n > 0) {
            return d / n;
        }
        return null;
    }

    /** {arch}.vocab_size when given (llama.cpp often omits it), else the token list's length, else token_embd's rows. */
    private static Object vocabSize(Map<String, Object> md, Map<String, TensorInfo> tensors, String p) {
        if (md.get(p + "vocab_size") instanceof Long v) {
            return v;
        }
        if (md.get(TOK + "tokens") instanceof GgufArray a) {
            return (long) a.length();
        }
        TensorInfo embd = tensors.get("token_embd.weight");
        return embd != null && embd.dims().length == 2 ? embd.dims()[1] : null;
    }

    /** The embedded tokenizer, or null when the file has none (llama2.c checkpoints). */
    private static Map<String, Object> tokenizer(Map<String, Object> md) {
        if (!md.containsKey(TOK + "model") && !md.containsKey(TOK + "tokens")) {
            return null;
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("model", md.get(TOK + "model"));
        t.put("pre", md.get(TOK + "pre"));
        t.put("tokens", md.get(TOK + "tokens") instanceof GgufArray a ? a.length() : 0);
        t.put("merges", md.get(TOK + "merges") instanceof GgufArray a ? a.length() : 0);
        for (Map.Entry<String, Object> e : md.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(TOK) && k.endsWith("_token_id")) { // bos, eos, unknown, padding, eot, ...
                t.put(k.substring(TOK.length(), k.length() - "_token_id".length()) + "_id", e.getValue());
            }
        }
        for (String flag : new String[] {"add_bos_token", "add_eos_token"}) {
            if (md.containsKey(TOK + flag)) {
                t.put(flag, md.get(TOK + flag));
            }
        }
        Object template = md.get("tokenizer.chat_template");
        t.put("chat_template", template instanceof String);
        t.put("chat_template_chars", template instanceof String s ? s.length() : null);
        return t;
    }

    private static Map<String, Object> metadata(Map<String, Object> md) {
        Map<String, Object> m = new LinkedHashMap<>();
        md.forEach((k, v) -> m.put(k, summary(v)));
        return m;
    }

    /** A metadata value as JSON: scalars and short values as they are, long strings and arrays as a summary. */
    static Object summary(Object v) {
        if (v instanceof String s && s.length() > SHORT_STRING) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", "string");
            m.put("chars", s.length());
            return m;
        }
        if (!(v instanceof GgufArray a)) {
            return v;
        }
        if (a.length() <= SHORT_ARRAY && !(a.values() instanceof GgufArray[])) { // short arrays of scalars in full
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < a.length(); i++) {
                out.add(summary(Array.get(a.values(), i)));
            }
            return out;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "array");
        m.put("element_type", a.elementTypeName());
        m.put("length", a.length());
        return m;
    }
}
