package io.sparkllama.cli;

import io.sparkllama.format.Llama2cTokenizerReader;
import io.sparkllama.json.Json;
import io.sparkllama.testing.Shared;
import io.sparkllama.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line, run in-process: outputs, exit codes and one-line errors. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static final List<Map<String, Object>> REFS = Shared.jsonl(Shared.reference("stories260K_greedy.jsonl"));

    @Test
    void greedyStoryOf200Tokens() throws Exception {
        Run r = run("generate", "--model", Shared.model("stories260K.gguf").toString(), "--temperature", "0", "--max-tokens", "200");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("Once upon a time, there was a little girl named Lily."), r.out());
        // exactly the text of run.c's first 200 generated tokens, nothing else on stdout
        Tokenizer tok = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tok512.bin"), 512));
        int[] ids = new int[201];
        ids[0] = 1;
        System.arraycopy(Shared.ints(REFS.get(0).get("generated_tokens")), 0, ids, 1, 200);
        assertEquals(tok.decodeText(ids), r.out());
        assertTrue(r.err().contains("generated 200 tokens"), r.err());
    }

    @Test
    void generateMatchesRunCForEveryReferencePrompt() {
        for (Map<String, Object> ref : REFS) {
            int promptTokens = Shared.ints(ref.get("prompt_tokens")).length;
            String max = String.valueOf(((Number) ref.get("steps")).intValue() - promptTokens + 1);
            for (String[] model : List.of(new String[] {"--model", Shared.model("stories260K.gguf").toString()},
                    new String[] {"--model", Shared.model("stories260K.bin").toString(), "--tokenizer", Shared.model("tok512.bin").toString()})) {
                String[] args = concat(new String[] {"generate", "--prompt", (String) ref.get("prompt"), "--temperature", "0",
                        "--max-tokens", max, "--threads", "1"}, model);
                Run r = run(args);
                assertEquals(0, r.status(), r.err());
                assertEquals(ref.get("text"), r.out(), Arrays.toString(args));
            }
        }
    }

    @Test
    void llamaCppQuantizedStories260KGeneratesItsReferenceTokens() throws Exception {
        // stories260K as llama.cpp's quantizer wrote it (Q4_0, Q4_K_M, Q5_K_M, Q8_0; per-tensor fallback
        // types Q5_0, Q5_1, Q8_0 and F16): the greedy text is the float64 reference's 24 tokens
        Tokenizer tok = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tok512.bin"), 512));
        for (Map<String, Object> ref : Shared.jsonl(Shared.reference("quant_logits.jsonl"))) {
            if (!"stories260K".equals(ref.get("model"))) {
                continue;
            }
            int[] prompt = Shared.ints(ref.get("prompt_tokens")), greedy = Shared.ints(ref.get("greedy_tokens"));
            int n = 0;
            while (n < greedy.length && greedy[n] != 1 && greedy[n] != 2) {
                n++; // the engine stops at BOS or EOS, the reference goes on
            }
            int[] ids = Arrays.copyOf(prompt, prompt.length + n);
            System.arraycopy(greedy, 0, ids, prompt.length, n);
            Run r = run("generate", "--model", Shared.model("quant/" + ref.get("file")).toString(), "--prompt",
                    (String) ref.get("prompt"), "--temperature", "0", "--max-tokens", String.valueOf(greedy.length));
            assertEquals(0, r.status(), r.err());
            assertEquals(tok.decodeText(ids), r.out(), ref.get("file") + ": " + ref.get("prompt"));
        }
    }

    @Test
    void sampledGenerationIsReproducibleWithASeed() {
        String[] args = {"generate", "--model", Shared.model("stories260K.gguf").toString(), "--prompt", "The little dog",
                "--temperature", "0.9", "--top-p", "0.9", "--seed", "42", "--max-tokens", "60"};
        Run a = run(args), b = run(args);
        assertEquals(0, a.status(), a.err());
        assertEquals(a.out(), b.out());
        Run c = run(concat(args, new String[] {"--threads", "1"}));
        assertEquals(a.out(), c.out(), "thread count does not change the output");
        assertTrue(a.out().startsWith("The little dog"));
    }

    @Test
    void tokenizePrintsIdsAsJson() {
        for (Map<String, Object> ref : Shared.jsonl(Shared.reference("tokenizer512_encode.jsonl"))) {
            Run r = run("tokenize", "--model", Shared.model("stories260K.gguf").toString(), "--text", (String) ref.get("prompt"));
            assertEquals(0, r.status(), r.err());
            assertEquals(Json.toJson(Shared.ints(ref.get("tokens"))) + System.lineSeparator(), r.out());
        }
        Run r = run("tokenize", "--tokenizer", Shared.model("tokenizer.bin").toString(), "--text", "Hello world");
        assertEquals("[1,15043,3186]", r.out().trim());
        r = run("tokenize", "--model", Shared.model("stories260K.bin").toString(), "--tokenizer", Shared.model("tok512.bin").toString(),
                "--text", "Once upon a time");
        assertEquals("[1,403,407,261,378]", r.out().trim());
    }

    /** Runs a failing command: non-zero status, one stderr line naming {@code subject}, nothing on stdout. */
    private static void fails(int status, String subject, String... args) {
        Run r = run(args);
        assertEquals(status, r.status(), r.err());
        assertEquals(1, r.errLines().size(), "one line on stderr, got: " + r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(r.err().contains(subject), "stderr should name '" + subject + "': " + r.err());
        assertEquals("", r.out());
        Run verbose = run(concat(args, new String[] {"--verbose"}));
        assertTrue(verbose.errLines().size() > 1 && verbose.err().contains("\tat "), "--verbose adds a stack trace");
    }

    @Test
    void badInputGivesOneLineErrors() throws Exception {
        String gguf = Shared.model("stories260K.gguf").toString();
        fails(1, "no/such.gguf", "generate", "--model", "no/such.gguf");
        Path junk = Files.writeString(dir.resolve("junk.gguf"), "this is not a model");
        fails(1, junk.toString(), "generate", "--model", junk.toString());
        byte[] full = Files.readAllBytes(Shared.model("stories260K.gguf"));
        Path cut = Files.write(dir.resolve("cut.gguf"), Arrays.copyOf(full, full.length / 2));
        fails(1, "truncated", "generate", "--model", cut.toString());
        byte[] q4km = Files.readAllBytes(Shared.model("quant/mini-untied-Q4_K_M.gguf"));
        Path cutK = Files.write(dir.resolve("cut-q4km.gguf"), Arrays.copyOf(q4km, q4km.length - 1000));
        fails(1, "blk.3.ffn_up.weight", "generate", "--model", cutK.toString());
        // a type outside the list (IQ2_XXS in place of a Q4_K tensor), and K-quant rows of 64
        byte[] iq2 = q4km.clone();
        typeField(iq2, "blk.0.attn_q.weight", io.sparkllama.format.GgmlType.IQ2_XXS.id);
        fails(1, "has type IQ2_XXS, which is not supported", "generate", "--model",
                Files.write(dir.resolve("iq2.gguf"), iq2).toString());
        byte[] rows64 = Files.readAllBytes(Shared.model("stories260K.gguf"));
        typeField(rows64, "blk.0.attn_q.weight", io.sparkllama.format.GgmlType.Q4_K.id);
        fails(1, "not a multiple of its block size 256", "generate", "--model",
                Files.write(dir.resolve("rows64.gguf"), rows64).toString());
        fails(1, "tokenizer.bin", "generate", "--model", Shared.model("stories260K.bin").toString(),
                "--tokenizer", Shared.model("tokenizer.bin").toString());
        fails(2, "--max-tokens", "generate", "--model", gguf, "--max-tokens", "lots");
        fails(2, "--temperature", "generate", "--model", gguf, "--temperature", "-1");
        fails(2, "--top-p", "generate", "--model", gguf, "--top-p", "0");
        fails(2, "--threads", "generate", "--model", gguf, "--threads", "0");
        fails(2, "--bogus", "generate", "--model", gguf, "--bogus", "1");
        fails(2, "--model", "generate");
        fails(2, "frobnicate", "frobnicate");
        fails(2, "--text", "tokenize", "--model", gguf);
        fails(1, "unpaired", "tokenize", "--model", gguf, "--text", "a\uD800");
    }

    @Test
    void helpGoesToStdout() {
        Run r = run("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("generate") && r.out().contains("tokenize") && r.out().contains("bench"));
        r = run("generate", "--help");
        assertTrue(r.out().contains("--max-tokens"));
        assertEquals(2, run().status());
    }

    /** Sets the ggml type id of the 2-D tensor {@code name} in a GGUF file's bytes. */
    private static void typeField(byte[] bytes, String name, int type) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + n.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + n.length, n, 0, n.length)) {
                java.nio.ByteBuffer.wrap(bytes, i + n.length + 4 + 16, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(type);
                return;
            }
        }
        throw new AssertionError(name + " not found");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
