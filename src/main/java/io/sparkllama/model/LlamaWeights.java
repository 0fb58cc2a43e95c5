package io.sparkllama.model;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFormatException;
import io.sparkllama.format.TensorData;
import io.sparkllama.format.TensorInfo;
import io.sparkllama.kernels.Matrices;
import io.sparkllama.kernels.WeightMatrix;

import java.util.Arrays;

/**
 * All weights of a Llama model. A file without {@code output.weight} ties the output head to
 * the token embedding.
 */
public record LlamaWeights(WeightMatrix tokenEmbedding, LayerWeights[] layers, float[] outputNorm, WeightMatrix output) {

    /** Bytes of heap held by the weights (a tied output head counts once). */
    public long bytes() {
        long n = tokenEmbedding.bytes() + 4L * outputNorm.length + (output == tokenEmbedding ? 0 : output.bytes());
        for (LayerWeights l : layers) {
            n += l.bytes();
        }
        return n;
    }

    /** Estimate of {@link #bytes()} from the file's tensor infos, before anything is read. */
    public static long estimateBytes(ModelFile file) {
        long n = 0;
        for (TensorInfo t : file.tensors().values()) {
            // as the kernels hold them (kernels/*Matrix): Q8_0 and Q6_K one byte per weight, Q4_0
            // nibbles, all with float scales; other block types their file bytes plus a few percent
            n += switch (t.type()) {
                case Q8_0 -> t.elements() + t.elements() / 32 * 4;
                case Q6_K -> t.elements() + t.elements() / 256 * 20;
                case Q4_0 -> t.elements() / 2 + t.elements() / 32 * 4;
                case F32, F16, BF16 -> t.bytes();
                default -> t.bytes() + t.bytes() / 16;
            };
        }
        return n;
    }

    /** Reads and checks every tensor the configuration calls for. */
    public static LlamaWeights read(ModelFile file, LlamaConfig c) throws ModelFormatException {
        int dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim();
        WeightMatrix embedding = matrix(file, "token_embd.weight", dim, c.vocabSize());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new LayerWeights(
                    vector(file, p + "attn_norm.weight", dim),
                    matrix(file, p + "attn_q.weight", dim, dim),
                    matrix(file, p + "attn_k.weight", dim, kv),
                    matrix(file, p + "attn_v.weight", dim, kv),
                    matrix(file, p + "attn_output.weight", dim, dim),
                    vector(file, p + "ffn_norm.weight", dim),
                    matrix(file, p + "ffn_gate.weight", dim, hidden),
                    matrix(file, p + "ffn_down.weight", hidden, dim),
                    matrix(file, p + "ffn_up.weight", dim, hidden));
        }
        float[] outputNorm = vector(file, "output_norm.weight", dim);
        WeightMatrix output = file.tensors().containsKey("output.weight")
                ? matrix(file, "output.weight", dim, c.vocabSize()) : embedding;
        return new LlamaWeights(embedding, layers, outputNorm, output);
    }

    private static TensorInfo info(ModelFile file, String name, long... dims) throws ModelFormatException {
        TensorInfo t = file.tensors().get(name);
        if (t == null) {
            throw file.error("missing tensor " + name);
        }
        if (!Arrays.equals(t.dims(), dims)) {
            throw file.error("tensor " + name + " has shape " + t.shape() + ", expected " + Arrays.toString(dims)
                    + " for this model's hyperparameters");
        }
        return t;
    }

    private static WeightMatrix matrix(ModelFile file, String name, int cols, int rows) throws ModelFormatException {
        TensorData d = file.read(info(file, name, cols, rows));
        try {
            return Matrices.of(d);
        } catch (IllegalArgumentException e) {
            throw file.error(e.getMessage());
        }
    }

    private static float[] vector(ModelFile file, String name, int n) throws ModelFormatException {
        TensorData d = file.read(info(file, name, n));
        if (d.type == GgmlType.F32) {
            return d.f32;
        }
        float[] out = new float[n];
        try {
            Matrices.of(d).decodeRows(0, 1, out, 0);
        } catch (IllegalArgumentException e) {
            throw file.error(e.getMessage());
        }
        return out;
    }
}
