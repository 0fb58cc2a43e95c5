package io.sparkllama.testing;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;
import io.sparkllama.format.Llama2cReader;
import io.sparkllama.format.Llama2cTokenizerReader;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.TensorData;
import io.sparkllama.format.TensorInfo;
import io.sparkllama.tokenizer.Vocabulary;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Model files derived from the shared stories260K for tests, written under target/test-models. */
public final class TestModels {
    private static final Path DIR = Path.of(System.getProperty("user.dir"), "target", "test-models");

    private TestModels() {
    }

    /**
     * stories260K converted by the shared {@code llama2c_to_gguf.py} to {@code type} (F32, F16,
     * Q8_0, Q4_0). Skips the calling test when python3 with numpy is not available.
     */
    public static synchronized Path converted(String type) throws IOException, InterruptedException {
        Path out = DIR.resolve("stories260K-" + type.toLowerCase() + ".gguf");
        if (Files.isRegularFile(out)) {
            return out;
        }
        Files.createDirectories(DIR);
        List<String> cmd = List.of("python3", Shared.tool("llama2c_to_gguf.py").toString(),
                Shared.model("stories260K.bin").toString(), Shared.model("tok512.bin").toString(),
                out.toString(), "--type", type);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 is not available: " + e.getMessage());
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("llama2c_to_gguf.py timed out");
        }
        Assumptions.assumeFalse(log.contains("No module named 'numpy'"), "numpy is not available for python3");
        if (p.exitValue() != 0) {
            throw new IOException("llama2c_to_gguf.py failed: " + log);
        }
        return out;
    }

    /**
     * stories260K with every 2-D weight in BF16 (rounded to nearest even) and the norms in F32,
     * written by {@link GgufWriter} (the shared converter has no BF16 output).
     */
    public static synchronized Path bf16() throws IOException {
        Path out = DIR.resolve("stories260K-bf16.gguf");
        return Files.isRegularFile(out) ? out : stories260K(GgmlType.BF16, Map.of()).write(out);
    }

    /**
     * A writer holding stories260K (from the llama2.c checkpoint and tok512) with 2-D weights in
     * F32 or BF16, and the dimensions of the named tensors replaced (their data shrinks or grows
     * to match), for building well-formed files with wrong shapes.
     */
    public static GgufWriter stories260K(GgmlType matrixType, Map<String, long[]> dims) throws IOException {
        GgufWriter w = new GgufWriter();
        try (ModelFile src = Llama2cReader.open(Shared.model("stories260K.bin"))) {
            for (Map.Entry<String, Object> e : src.metadata().entrySet()) {
                Object v = e.getValue();
                if (v instanceof Long l) {
                    w.u32(e.getKey(), l);
                } else if (v instanceof Float f) {
                    w.f32(e.getKey(), f);
                } else if (v instanceof String str) {
                    w.string(e.getKey(), str);
                }
            }
            vocabulary(w, Llama2cTokenizerReader.read(Shared.model("tok512.bin"), 512));
            for (TensorInfo t : src.tensors().values()) {
                long[] shape = dims.getOrDefault(t.name(), t.dims());
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                float[] values = java.util.Arrays.copyOf(src.read(t).f32, (int) n);
                if (t.dims().length == 1 || matrixType == GgmlType.F32) {
                    w.tensor(t.name(), GgmlType.F32.id, GgufWriter.f32Data(values), shape);
                } else {
                    w.tensor(t.name(), GgmlType.BF16.id, GgufWriter.u16Data(toBf16(values)), shape);
                }
            }
        }
        return w;
    }

    /** Writes a vocabulary as tokenizer.ggml.* metadata (spaces as U+2581, as GGUF stores them). */
    public static void vocabulary(GgufWriter w, Vocabulary v) {
        String[] tokens = new String[v.size()];
        float[] scores = new float[v.size()];
        int[] types = new int[v.size()];
        for (int i = 0; i < v.size(); i++) {
            tokens[i] = v.pieceText(i).replace(" ", "\u2581");
            scores[i] = v.score(i);
            types[i] = v.type(i).ordinal();
        }
        tokens[v.unk()] = "<unk>";
        tokens[v.bos()] = "<s>";
        tokens[v.eos()] = "</s>";
        w.string("tokenizer.ggml.model", "llama").strings("tokenizer.ggml.tokens", tokens)
                .floats("tokenizer.ggml.scores", scores).ints("tokenizer.ggml.token_type", types)
                .u32("tokenizer.ggml.bos_token_id", v.bos()).u32("tokenizer.ggml.eos_token_id", v.eos())
                .u32("tokenizer.ggml.unknown_token_id", v.unk()).bool("tokenizer.ggml.add_bos_token", true);
    }

    /** Float to bfloat16 bits, rounding to nearest even. */
    public static short[] toBf16(float[] f) {
        short[] out = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            int b = Float.floatToIntBits(f[i]);
            out[i] = (short) ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16);
        }
        return out;
    }

    /** Float to half bits, for tests that build F16 tensors. */
    public static short[] toF16(float[] f) {
        short[] out = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Half.fromFloat(f[i]);
        }
        return out;
    }
}
