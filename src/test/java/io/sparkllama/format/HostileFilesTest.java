package io.sparkllama.format;

import io.sparkllama.model.ModelLoader;
import io.sparkllama.testing.GgufWriter;
import io.sparkllama.testing.Shared;
import io.sparkllama.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken and hostile model files fail fast with a {@link ModelFormatException} whose message
 * names the file and the problem: no OutOfMemoryError, no hang, no other exception type.
 */
@Timeout(30)
class HostileFilesTest {
    @TempDir
    Path dir;

    /** Loads the file as a model and returns the failure's message, checking it names the file. */
    private static String loadFails(Path file, String... expectedWords) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(file, null));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(file.toString()), "message should name the file: " + msg);
        for (String w : expectedWords) {
            assertTrue(msg.contains(w), "message should say '" + w + "': " + msg);
        }
        return msg;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void truncatedGgufAtEveryInterestingPoint() throws IOException {
        byte[] full = Files.readAllBytes(Shared.model("stories260K.gguf"));
        int[] cuts = {0, 3, 4, 7, 8, 16, 23, 24, 40, 100, 1000, 10_000, full.length / 2, full.length - 100, full.length - 1};
        for (int cut : cuts) {
            Path f = write("cut" + cut + ".gguf", Arrays.copyOf(full, cut));
            String msg = loadFails(f);
            assertTrue(msg.contains("truncated") || msg.contains("past the end") || msg.contains("not a model file")
                    || msg.contains("too short"), "cut at " + cut + ": " + msg);
        }
    }

    @Test
    void wrongMagic() throws IOException {
        byte[] bytes = Files.readAllBytes(Shared.model("stories260K.gguf"));
        bytes[3] = 'X';
        loadFails(write("magic.gguf", bytes), "not a model file", "no GGUF magic");
        loadFails(write("text.bin", "hello, this is not a model at all".getBytes()), "not a model file");
    }

    @Test
    void unsupportedVersion() throws IOException {
        loadFails(new GgufWriter().version(1).write(dir.resolve("v1.gguf")), "unsupported GGUF version 1");
        loadFails(new GgufWriter().version(4).write(dir.resolve("v4.gguf")), "unsupported GGUF version 4");
    }

    @Test
    void absurdCounts() throws IOException {
        loadFails(new GgufWriter().tensorCount(1L << 40).write(dir.resolve("tensors.gguf")), "1099511627776 tensors cannot fit");
        loadFails(new GgufWriter().kvCount(-1).write(dir.resolve("kvs.gguf")), "metadata entries cannot fit");
        byte[] hugeString = GgufWriter.le(8).putLong(1L << 62).array();
        loadFails(new GgufWriter().kvRaw("general.name", GgufWriter.STRING, hugeString).write(dir.resolve("string.gguf")),
                "4611686018427387904 bytes");
        byte[] hugeArray = GgufWriter.le(12).putInt(GgufWriter.UINT32).putLong(1L << 50).array();
        loadFails(new GgufWriter().kvRaw("tokenizer.ggml.scores", GgufWriter.ARRAY, hugeArray).write(dir.resolve("array.gguf")),
                "declares 1125899906842624 elements");
        byte[] hugeKey = GgufWriter.le(128).putInt(0x46554747).putInt(3).putLong(0).putLong(1).putLong(Long.MAX_VALUE).array();
        loadFails(write("key.gguf", hugeKey), "metadata key #0 declares 9223372036854775807 bytes");
    }

    @Test
    void deeplyNestedArrays() throws IOException {
        var b = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 100; i++) {
            b.writeBytes(GgufWriter.le(12).putInt(GgufWriter.ARRAY).putLong(1).array());
        }
        loadFails(new GgufWriter().kvRaw("x", GgufWriter.ARRAY, b.toByteArray()).write(dir.resolve("nested.gguf")), "nested");
    }

    @Test
    void unknownValueAndTensorTypes() throws IOException {
        loadFails(new GgufWriter().kvRaw("x", 99, new byte[8]).write(dir.resolve("value.gguf")), "unknown value type 99");
        loadFails(new GgufWriter().tensor("t", 99, new byte[32], 8).write(dir.resolve("tensor.gguf")), "unknown type id 99");
    }

    @Test
    void tensorOffsetPastEndOfFile() throws IOException {
        loadFails(new GgufWriter().tensorAt("token_embd.weight", 0, 1L << 40, 64, 512).write(dir.resolve("offset.gguf")),
                "extends past the end of the file");
        loadFails(new GgufWriter().tensorAt("t", 0, 33, 8).write(dir.resolve("misaligned.gguf")), "not a multiple of the alignment");
        loadFails(new GgufWriter().tensor("t", 0, new byte[32], 1L << 40, 1L << 40).write(dir.resolve("dims.gguf")),
                "invalid dimension");
    }

    @Test
    void kQuantRowsThatAreNoMultipleOf256() throws IOException {
        // a well-formed Q4_K tensor where the model expects its token embedding, whose rows of 64
        // are no multiple of Q4_K's 256-element blocks
        GgufWriter w = TestModels.stories260K(GgmlType.F32, Map.of());
        byte[] bytes = Files.readAllBytes(w.write(dir.resolve("ok.gguf")));
        patchType(bytes, "token_embd.weight", GgmlType.Q4_K);
        loadFails(write("q4k.gguf", bytes), "token_embd.weight", "Q4_K", "rows of 64 elements, not a multiple of its block size 256");
    }

    @Test
    void llamaCppFileWithATypeOutsideTheList() throws IOException {
        // a real llama.cpp Q4_K_M file whose blk.0.attn_q.weight claims IQ2_XXS (smaller blocks, so still in bounds)
        byte[] bytes = Files.readAllBytes(Shared.model("quant/mini-untied-Q4_K_M.gguf"));
        patchType(bytes, "blk.0.attn_q.weight", GgmlType.IQ2_XXS);
        loadFails(write("iq2.gguf", bytes), "tensor blk.0.attn_q.weight has type IQ2_XXS, which is not supported",
                "Q4_K", "IQ4_XS");
    }

    @Test
    void truncatedKQuantTensor() throws IOException {
        // mini-untied-Q4_K_M.gguf cut inside its last tensor (blk.3.ffn_up.weight, Q4_K)
        byte[] full = Files.readAllBytes(Shared.model("quant/mini-untied-Q4_K_M.gguf"));
        Path f = write("cut.gguf", Arrays.copyOf(full, full.length - 1000));
        loadFails(f, "blk.3.ffn_up.weight", "extends past the end of the file", "truncated");
    }

    @Test
    void modelFeaturesTheEngineDoesNotImplement() throws IOException {
        loadFails(TestModels.stories260K(GgmlType.F32, Map.of()).string("llama.rope.scaling.type", "yarn")
                .f32("llama.rope.scaling.factor", 4f).write(dir.resolve("yarn.gguf")),
                "llama.rope.scaling.type \"yarn\" is not supported");
        loadFails(TestModels.stories260K(GgmlType.F32, Map.of()).u32("llama.attention.key_length", 16)
                .write(dir.resolve("keylength.gguf")), "llama.attention.key_length = 16 differs from", "= 8");
        loadFails(TestModels.stories260K(GgmlType.F32, Map.of()).tensor("rope_freqs.weight", GgmlType.F32.id,
                GgufWriter.f32Data(new float[] {1, 1, 0, 1}), 4).write(dir.resolve("freqs.gguf")),
                "rope_freqs.weight[2] = 0.0 is not a positive number");
    }

    @Test
    void byteLevelTokenizerWithAnUnknownPreTokenizer() throws IOException {
        Path f = new GgufWriter().string("tokenizer.ggml.model", "gpt2").string("tokenizer.ggml.pre", "tekken")
                .strings("tokenizer.ggml.tokens", new String[] {"a", "b", "ab"}).strings("tokenizer.ggml.merges", new String[] {"a b"})
                .write(dir.resolve("tekken.gguf"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.readTokenizer(f, -1));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("tokenizer.ggml.pre \"tekken\" is not supported")
                && e.getMessage().contains("llama-bpe"), e.getMessage());
        Path g = new GgufWriter().string("tokenizer.ggml.model", "bert").strings("tokenizer.ggml.tokens", new String[] {"a"})
                .write(dir.resolve("bert.gguf"));
        e = assertThrows(ModelFormatException.class, () -> ModelFiles.readTokenizer(g, -1));
        assertTrue(e.getMessage().contains("tokenizer.ggml.model is \"bert\""), e.getMessage());
    }

    /** Sets the ggml type of the tensor {@code name} (a 2-D tensor) in a GGUF file's bytes. */
    private static void patchType(byte[] bytes, String name, GgmlType type) {
        byte[] n = name.getBytes();
        int at = indexOf(bytes, n) + n.length;
        int typeAt = at + 4 + 2 * 8; // n_dims u32, two u64 dims
        GgufWriter.le(4).putInt(type.id).flip().get(bytes, typeAt, 4);
    }

    @Test
    void wrongShapedTensor() throws IOException {
        Path f = TestModels.stories260K(GgmlType.F32, Map.of("blk.2.attn_q.weight", new long[] {64, 32}))
                .write(dir.resolve("shape.gguf"));
        loadFails(f, "blk.2.attn_q.weight", "shape [64, 32], expected [64, 64]");
        Path g = TestModels.stories260K(GgmlType.F32, Map.of("output_norm.weight", new long[] {65}))
                .write(dir.resolve("norm.gguf"));
        loadFails(g, "output_norm.weight", "[65]");
    }

    @Test
    void missingTensorAndMissingMetadata() throws IOException {
        Path noEmbedding = new GgufWriter().u32("llama.embedding_length", 64).u32("llama.attention.head_count", 8)
                .u32("llama.feed_forward_length", 172).u32("llama.block_count", 1).u32("llama.context_length", 16)
                .u32("llama.vocab_size", 512).write(dir.resolve("empty.gguf"));
        assertThrows(ModelFormatException.class, () -> ModelLoader.load(noEmbedding, Shared.model("tok512.bin")));
        loadFails(new GgufWriter().string("general.architecture", "llama").write(dir.resolve("nometa.gguf")),
                "missing metadata llama.embedding_length");
        loadFails(new GgufWriter().string("general.architecture", "mamba").write(dir.resolve("arch.gguf")),
                "architecture \"mamba\" is not supported");
    }

    @Test
    void truncatedAndCorruptLlama2c() throws IOException {
        byte[] full = Files.readAllBytes(Shared.model("stories260K.bin"));
        for (int cut : new int[] {0, 27, 28, 1000, full.length - 4}) {
            Path f = write("cut" + cut + ".bin", Arrays.copyOf(full, cut));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(f, Shared.model("tok512.bin")));
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
        byte[] extra = Arrays.copyOf(full, full.length + 4);
        Path f = write("extra.bin", extra);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(f, Shared.model("tok512.bin")));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        byte[] badHeads = full.clone();
        GgufWriter.le(4).putInt(7).flip().get(badHeads, 12, 4); // n_heads = 7 does not divide dim 64
        Path g = write("heads.bin", badHeads);
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(g, Shared.model("tok512.bin")));
        assertTrue(e.getMessage().contains("n_heads"), e.getMessage());
    }

    @Test
    void tokenizerThatDoesNotFitTheModel() {
        Path model = Shared.model("stories260K.bin");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ModelLoader.load(model, Shared.model("tokenizer.bin")));
        assertTrue(e.getMessage().startsWith(Shared.model("tokenizer.bin").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("larger vocabulary"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(Shared.model("stories260K.gguf"),
                Shared.model("tokenizer.bin")));
        assertTrue(e.getMessage().contains("does not fit the model") || e.getMessage().contains("larger vocabulary"), e.getMessage());
    }

    @Test
    void missingFiles() {
        Path nowhere = Path.of("no/such/model.gguf");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(nowhere, null));
        assertTrue(e.getMessage().equals(nowhere + ": no such file"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(Shared.model("stories260K.bin"), nowhere));
        assertTrue(e.getMessage().equals(nowhere + ": no such file"), e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
