package io.sparkllama.cli;

import io.sparkllama.json.Json;
import io.sparkllama.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code inspect} against facts no code of ours produced: the per-tensor types gguf-py read from
 * llama.cpp's quantized files ({@code quant/tensor_types.json}), the quantization type each file
 * was made with (its name), and the shapes in {@code models/README.md}.
 */
class InspectCommandTest {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> inspect(String... args) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(0, r.status(), r.err());
        assertEquals(1, r.out().lines().count(), "one JSON object on one line");
        return (Map<String, Object>) Json.parse(r.out());
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> m, String... keys) {
        Object v = m;
        for (String k : keys) {
            v = ((Map<String, Object>) v).get(k);
        }
        return (T) v;
    }

    @Test
    @SuppressWarnings("unchecked")
    void tensorTypesOfEveryQuantizedFileMatchGgufPy() throws Exception {
        Map<String, Object> reference = (Map<String, Object>) Json.parse(Files.readString(Shared.model("quant/tensor_types.json")));
        assertEquals(30, reference.size());
        for (Map.Entry<String, Object> e : reference.entrySet()) {
            String file = e.getKey();
            Map<String, Object> types = (Map<String, Object>) e.getValue();
            Map<String, Long> expected = new TreeMap<>();
            types.values().forEach(t -> expected.merge((String) t, 1L, Long::sum));

            Map<String, Object> r = inspect("inspect", "--model", Shared.model("quant/" + file).toString());
            Map<String, Long> counts = new TreeMap<>();
            Map<String, Object> perType = at(r, "tensor_types");
            perType.forEach((t, v) -> counts.put(t, (Long) ((Map<String, Object>) v).get("count")));
            assertEquals(expected, counts, file);
            assertEquals((long) types.size(), (Long) at(r, "tensors_total", "count"), file);
            assertEquals(!types.containsKey("output.weight"), r.get("tied_output"), file);
            // mini-tied-Q4_K_M.gguf was made with llama-quantize ... Q4_K_M
            String quant = file.substring(file.lastIndexOf('-') + 1, file.length() - ".gguf".length());
            assertEquals("MOSTLY_" + quant, r.get("file_type_name"), file);
            long tensorBytes = at(r, "tensors_total", "bytes");
            assertEquals(Files.size(Shared.model("quant/" + file)), tensorBytes + (Long) r.get("non_tensor_bytes"), file);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void listsEveryTensorWithItsType() throws Exception {
        Map<String, Object> reference = (Map<String, Object>) Json.parse(Files.readString(Shared.model("quant/tensor_types.json")));
        for (String file : List.of("mini-untied-Q3_K_M.gguf", "mini-tied-IQ4_XS.gguf", "stories260K-Q5_K_M.gguf")) {
            Map<String, Object> r = inspect("inspect", "--model", Shared.model("quant/" + file).toString(), "--tensors");
            List<Object> tensors = (List<Object>) r.get("tensors");
            Map<String, Object> types = (Map<String, Object>) reference.get(file);
            assertEquals(types.size(), tensors.size(), file);
            long bytes = 0;
            for (Object o : tensors) {
                Map<String, Object> t = (Map<String, Object>) o;
                assertEquals(types.get((String) t.get("name")), t.get("type"), file + " " + t.get("name"));
                bytes += (Long) t.get("bytes");
            }
            assertEquals((Long) at(r, "tensors_total", "bytes"), bytes, file);
        }
        Map<String, Object> r = inspect("inspect", "--model", Shared.model("quant/mini-untied-Q3_K_M.gguf").toString());
        assertNull(r.get("tensors"), "no tensor list without --tensors");
        // quant/README.md: mini-untied has dim 256, FFN 768, 8 / 2 heads, rope.freq_base 10000
        assertEquals(256L, (Long) at(r, "hyperparameters", "embedding_length"));
        assertEquals(768L, (Long) at(r, "hyperparameters", "feed_forward_length"));
        assertEquals(32L, (Long) at(r, "hyperparameters", "head_size"));
        assertEquals(10000.0, (Double) at(r, "hyperparameters", "rope_freq_base"));
        assertEquals(List.of(), r.get("unsupported_types"), "every type llama.cpp's quantizer wrote loads");
    }

    @Test
    void namesTypesTheEngineCannotLoad() throws Exception {
        // an IQ2_XXS tensor (66 bytes per block of 256): inspect lists it, and says the engine cannot load it
        Path f = new io.sparkllama.testing.GgufWriter()
                .tensor("t", io.sparkllama.format.GgmlType.IQ2_XXS.id, new byte[66], 256).write(dir.resolve("iq2.gguf"));
        Map<String, Object> r = inspect("inspect", "--model", f.toString());
        assertEquals(List.of("IQ2_XXS"), r.get("unsupported_types"));
    }

    @Test
    void llama2cCheckpoint() {
        Map<String, Object> r = inspect("inspect", "--model", Shared.model("stories260K.bin").toString());
        assertEquals("llama2.c v0", r.get("format"));
        // models/README.md: dim 64, 5 layers, 8 query heads, 4 KV heads, hidden 172, vocab 512, shared classifier
        assertEquals(64L, (Long) at(r, "hyperparameters", "embedding_length"));
        assertEquals(5L, (Long) at(r, "hyperparameters", "block_count"));
        assertEquals(8L, (Long) at(r, "hyperparameters", "head_count"));
        assertEquals(4L, (Long) at(r, "hyperparameters", "head_count_kv"));
        assertEquals(8L, (Long) at(r, "hyperparameters", "head_size"));
        assertEquals(172L, (Long) at(r, "hyperparameters", "feed_forward_length"));
        assertEquals(512L, (Long) at(r, "hyperparameters", "vocab_size"));
        assertNull(r.get("tokenizer"));
        assertEquals(true, r.get("tied_output"));
        long dim = 64, kv = 4 * 8, hidden = 172, vocab = 512, layers = 5;
        long perLayer = 2 * dim + 2 * dim * dim + 2 * dim * kv + 3 * dim * hidden;
        long elements = vocab * dim + layers * perLayer + dim;
        assertEquals(1 + 9 * layers + 1, (Long) at(r, "tensor_types", "F32", "count"));
        assertEquals(elements, (Long) at(r, "tensor_types", "F32", "elements"));
        assertEquals(4 * elements, (Long) at(r, "tensors_total", "bytes"));
        assertEquals(1056540L, (Long) r.get("file_bytes"));
    }

    @Test
    void llama3TokenizerIsSummarisedNotPrinted() {
        CliTest.Run run = CliTest.run("inspect", "--model", Shared.model("llama3-mini.gguf").toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().length() < 10_000, "128,256 tokens and 280,147 merges are counted, not printed: " + run.out().length());
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) Json.parse(run.out());
        // models/README.md: gpt2 / llama-bpe, 128,256 tokens, 280,147 merges, BOS 128000, EOS 128009, a chat template
        assertEquals("gpt2", at(r, "tokenizer", "model"));
        assertEquals("llama-bpe", at(r, "tokenizer", "pre"));
        assertEquals(128256L, (Long) at(r, "tokenizer", "tokens"));
        assertEquals(280147L, (Long) at(r, "tokenizer", "merges"));
        assertEquals(128000L, (Long) at(r, "tokenizer", "bos_id"));
        assertEquals(128009L, (Long) at(r, "tokenizer", "eos_id"));
        assertEquals(true, at(r, "tokenizer", "chat_template"));
        assertTrue((Long) at(r, "tokenizer", "chat_template_chars") > 1000);
        assertEquals(true, at(r, "hyperparameters", "rope_freqs_tensor"));
        assertEquals(500000.0, (Double) at(r, "hyperparameters", "rope_freq_base"));
        assertEquals(1L, (Long) at(r, "tensor_types", "Q8_0", "count"));
        assertEquals(true, r.get("tied_output"));
        assertEquals(280147L, (Long) at(r, "metadata", "tokenizer.ggml.merges", "length"));
        assertTrue(run.err().contains("128,256 tokens"), run.err());
    }

    @Test
    void memoryPlanForTheGivenSettings() {
        // llama3-mini: 2 layers, 2 KV heads of 16 (kv_dim 32), context 512
        CliTest.Run run = CliTest.run("inspect", "--model", Shared.model("llama3-mini.gguf").toString(), "--sequences", "40",
                "--kv", "f16", "--context", "300");
        assertEquals(0, run.status(), run.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) Json.parse(run.out());
        // K and V, layers, kv_dim, positions (300 in whole blocks of 32: 320), bytes per f16
        long perSequence = 2L * 2 * 32 * 320 * 2;
        assertEquals(2L * 2 * 32 * 2, (Long) at(r, "memory_plan", "kv_bytes_per_token"));
        assertEquals(Math.round(perSequence * 10.0 / (1 << 20)) / 10.0, (Double) at(r, "memory_plan", "kv_per_sequence_mb"));
        assertEquals(Math.round(40 * perSequence * 10.0 / (1 << 20)) / 10.0, (Double) at(r, "memory_plan", "kv_cache_mb"));
        assertEquals(300L, (Long) at(r, "memory_plan", "context"));
        double total = (Double) at(r, "memory_plan", "total_mb");
        assertTrue(total >= (Double) at(r, "memory_plan", "weights_mb") + (Double) at(r, "memory_plan", "kv_cache_mb"), run.out());
        assertTrue(run.err().contains("memory plan") && run.err().contains("40 sequences x 300 positions, f16, blocks of 32"), run.err());
    }

    @Test
    void corruptFilesGiveOneLineNamingTheFile() throws Exception {
        byte[] full = Files.readAllBytes(Shared.model("quant/mini-tied-Q4_K_M.gguf"));
        for (int cut : new int[] {3, 5000, full.length / 2}) {
            Path p = Files.write(dir.resolve("cut-" + cut + ".gguf"), Arrays.copyOf(full, cut));
            CliTest.Run r = CliTest.run("inspect", "--model", p.toString());
            assertEquals(1, r.status(), r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.err().startsWith("error: " + p), r.err());
            assertEquals("", r.out());
        }
        CliTest.Run r = CliTest.run("inspect", "--model", dir.resolve("none.gguf").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("none.gguf") && r.errLines().size() == 1, r.err());
        r = CliTest.run("inspect");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--model"), r.err());
    }
}
