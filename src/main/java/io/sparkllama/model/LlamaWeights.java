package io.sparkllama.model;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.ModelFormatException;
import io.sparkllama.format.TensorData;
import io.sparkllama.format.TensorInfo;
import io.sparkllama.kernels.Matrices;
import io.sparkllama.kernels.WeightMatrix;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * All weights of a Llama model. A file without {@code output.weight} ties the output head to
 * the token embedding.
 *
 * @param ropeFactors the per-pair rotary frequency divisors of {@code rope_freqs.weight} (Llama 3.1
 *                    and 3.2), or null when the file has none
 */
public record LlamaWeights(WeightMatrix tokenEmbedding, LayerWeights[] layers, float[] outputNorm, WeightMatrix output,
                           float[] ropeFactors) {

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

    /**
     * Reads and checks every tensor the configuration calls for. Tensors are read and repacked
     * by a few threads at once (positional reads of one file are thread-safe): repacking, not
     * reading, is most of a load.
     */
    public static LlamaWeights read(ModelFile file, LlamaConfig c) throws ModelFormatException {
        int dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim();
        int threads = Math.max(1, Math.min(LOAD_THREADS, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "llama-load");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<WeightMatrix> embedding = pool.submit(() -> matrix(file, "token_embd.weight", dim, c.vocabSize()));
            List<List<Future<?>>> layerParts = new ArrayList<>();
            for (int l = 0; l < c.layers(); l++) {
                String p = "blk." + l + ".";
                layerParts.add(List.of(
                        pool.submit(() -> vector(file, p + "attn_norm.weight", dim)),
                        pool.submit(() -> matrix(file, p + "attn_q.weight", dim, dim)),
                        pool.submit(() -> matrix(file, p + "attn_k.weight", dim, kv)),
                        pool.submit(() -> matrix(file, p + "attn_v.weight", dim, kv)),
                        pool.submit(() -> matrix(file, p + "attn_output.weight", dim, dim)),
                        pool.submit(() -> vector(file, p + "ffn_norm.weight", dim)),
                        pool.submit(() -> matrix(file, p + "ffn_gate.weight", dim, hidden)),
                        pool.submit(() -> matrix(file, p + "ffn_down.weight", hidden, dim)),
                        pool.submit(() -> matrix(file, p + "ffn_up.weight", dim, hidden))));
            }
            Future<float[]> outputNorm = pool.submit(() -> vector(file, "output_norm.weight", dim));
            Future<WeightMatrix> output = file.tensors().containsKey("output.weight")
                    ? pool.submit(() -> matrix(file, "output.weight", dim, c.vocabSize())) : embedding;
            LayerWeights[] layers = new LayerWeights[c.layers()];
            for (int l = 0; l < layers.length; l++) {
                List<Future<?>> f = layerParts.get(l);
                layers[l] = new LayerWeights((float[]) get(f.get(0)), (WeightMatrix) get(f.get(1)), (WeightMatrix) get(f.get(2)),
                        (WeightMatrix) get(f.get(3)), (WeightMatrix) get(f.get(4)), (float[]) get(f.get(5)),
                        (WeightMatrix) get(f.get(6)), (WeightMatrix) get(f.get(7)), (WeightMatrix) get(f.get(8)));
            }
            float[] ropeFactors = file.tensors().containsKey("rope_freqs.weight")
                    ? vector(file, "rope_freqs.weight", c.ropeDim() / 2) : null;
            for (int i = 0; ropeFactors != null && i < ropeFactors.length; i++) {
                if (!(ropeFactors[i] > 0) || Float.isInfinite(ropeFactors[i])) {
                    throw file.error("rope_freqs.weight[" + i + "] = " + ropeFactors[i] + " is not a positive number");
                }
            }
            return new LlamaWeights(get(embedding), layers, get(outputNorm), get(output), ropeFactors);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Threads that read and repack tensors. */
    private static final int LOAD_THREADS = 4;

    /**
     * Heap a load needs beyond {@link #estimateBytes}: each loading thread holds one tensor's
     * file bytes while it repacks them.
     */
    public static long loadingBytes(ModelFile file) {
        long largest = 0;
        for (TensorInfo t : file.tensors().values()) {
            largest = Math.max(largest, t.bytes());
        }
        return Math.min(LOAD_THREADS, Runtime.getRuntime().availableProcessors()) * largest;
    }

    /** The task's result, its {@link ModelFormatException} as it was thrown. */
    private static <T> T get(Future<T> f) throws ModelFormatException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading the model", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ModelFormatException m) {
                throw m;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
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
