package io.sparkllama.format;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads llama2.c checkpoints, version 0 ("legacy" export): a header of 7 int32
 * {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}, then fp32 tensors
 * stacked over layers. A negative {@code vocab_size} means the classifier is stored separately
 * at the end; otherwise it is shared with the token embedding.
 *
 * <p>The result is presented in GGUF terms (llama.* metadata, GGUF tensor names) so the model is
 * built by the same code for both formats. The file size must equal what the header implies.
 */
public final class Llama2cReader {
    /** llama2.c's version-2 (Q8_0) export starts with this magic, "ak42". */
    private static final int V2_MAGIC = 0x616b3432;
    private static final int HEADER_BYTES = 28;
    /** Plausibility caps for header fields; real models are far below them. */
    private static final int MAX_DIM = 1 << 16, MAX_LAYERS = 1 << 10, MAX_VOCAB = 1 << 24, MAX_SEQ = 1 << 24;

    private Llama2cReader() {
    }

    /** Opens a llama2.c checkpoint and checks its header against the file size. */
    public static ModelFile open(Path path) throws ModelFormatException {
        return FileInput.parse(path, Llama2cReader::parse);
    }

    private static ModelFile parse(FileInput in) throws ModelFormatException {
        if (in.size() < HEADER_BYTES) {
            throw in.error("too short for a llama2.c checkpoint (" + in.size() + " bytes, the header alone is 28)");
        }
        int[] h = new int[7];
        for (int i = 0; i < 7; i++) {
            h[i] = in.i32("header");
        }
        if (h[0] == V2_MAGIC) {
            throw in.error("llama2.c version-2 (Q8_0, \"ak42\") checkpoints are not supported; "
                    + "use the version-0 fp32 export or a GGUF file");
        }
        int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], seqLen = h[6];
        boolean shared = h[5] > 0;
        int vocab = Math.abs(h[5]);
        String header = String.format("dim=%d hidden_dim=%d n_layers=%d n_heads=%d n_kv_heads=%d vocab_size=%d seq_len=%d",
                h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
        if (dim <= 0 || dim > MAX_DIM || hidden <= 0 || hidden > 4 * MAX_DIM || layers <= 0 || layers > MAX_LAYERS
                || heads <= 0 || kvHeads <= 0 || h[5] == 0 || h[5] == Integer.MIN_VALUE || vocab > MAX_VOCAB
                || seqLen <= 0 || seqLen > MAX_SEQ) {
            throw in.error(String.format("not a model file: no GGUF magic (starts with 0x%08x) and not a llama2.c "
                    + "checkpoint (implausible header: %s)", Integer.reverseBytes(h[0]), header));
        }
        if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0) {
            throw in.error("inconsistent llama2.c header: dim must be a multiple of n_heads, n_heads of n_kv_heads, "
                    + "and the head size even (" + header + ")");
        }
        int headSize = dim / heads;
        long kvDim = (long) kvHeads * headSize;

        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        long[] offset = {HEADER_BYTES};
        Layout layout = (name, cols, rows, perLayer) -> {
            long count = perLayer ? layers : 1;
            long bytes = 4L * cols * rows;
            for (int l = 0; l < count; l++) {
                String full = perLayer ? "blk." + l + "." + name : name;
                long[] dims = rows == 1 ? new long[] {cols} : new long[] {cols, rows};
                tensors.put(full, new TensorInfo(full, GgmlType.F32, dims, offset[0] + l * bytes));
            }
            offset[0] += count * bytes;
        };
        layout.add("token_embd.weight", dim, vocab, false);
        layout.add("attn_norm.weight", dim, 1, true);
        layout.add("attn_q.weight", dim, dim, true);
        layout.add("attn_k.weight", dim, kvDim, true);
        layout.add("attn_v.weight", dim, kvDim, true);
        layout.add("attn_output.weight", dim, dim, true);
        layout.add("ffn_norm.weight", dim, 1, true);
        layout.add("ffn_gate.weight", dim, hidden, true);
        layout.add("ffn_down.weight", hidden, dim, true);
        layout.add("ffn_up.weight", dim, hidden, true);
        layout.add("output_norm.weight", dim, 1, false);
        offset[0] += 2L * 4 * seqLen * (headSize / 2); // freq_cis_real and _imag, unused
        if (!shared) {
            layout.add("output.weight", dim, vocab, false);
        }
        if (offset[0] != in.size()) {
            throw in.error("size " + in.size() + " bytes does not match the " + offset[0] + " bytes implied by the header ("
                    + header + (shared ? ", shared classifier" : ", separate classifier") + ")"
                    + (offset[0] > in.size() ? ": truncated" : ""));
        }

        Map<String, Object> md = new LinkedHashMap<>();
        md.put("general.architecture", "llama");
        md.put("general.name", in.path().getFileName().toString());
        md.put("llama.context_length", (long) seqLen);
        md.put("llama.embedding_length", (long) dim);
        md.put("llama.block_count", (long) layers);
        md.put("llama.feed_forward_length", (long) hidden);
        md.put("llama.attention.head_count", (long) heads);
        md.put("llama.attention.head_count_kv", (long) kvHeads);
        md.put("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        md.put("llama.rope.dimension_count", (long) headSize);
        md.put("llama.rope.freq_base", 10000f);
        md.put("llama.vocab_size", (long) vocab);
        return new ParsedModelFile(in, "llama2.c v0", Collections.unmodifiableMap(md), Collections.unmodifiableMap(tensors));
    }

    private interface Layout {
        void add(String name, long cols, long rows, boolean perLayer);
    }
}
