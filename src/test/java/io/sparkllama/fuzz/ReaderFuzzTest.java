package io.sparkllama.fuzz;

import io.sparkllama.format.Llama2cTokenizerReader;
import io.sparkllama.format.ModelFormatException;
import io.sparkllama.model.ModelLoader;
import io.sparkllama.testing.Shared;
import io.sparkllama.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutations of the shared model and tokenizer files, and random bytes, fed to the readers: each
 * case must load or fail with the declared exception ({@link ModelFormatException} for files,
 * {@link IllegalArgumentException} for text), within a time limit, without OutOfMemoryError or
 * any other exception. Seeds are fixed, so a failure names a case that can be replayed.
 */
@Tag("fuzz")
class ReaderFuzzTest {
    private static final int CASES = Integer.getInteger("fuzz.cases", 10_000);
    private static final long CASE_TIMEOUT_SECONDS = 10;
    private static ExecutorService worker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    /** One mutation of {@code original}, chosen by {@code rnd}; headers are mutated more often, since parsing lives there. */
    static byte[] mutate(byte[] original, Random rnd, int headerBytes) {
        byte[] b = original.clone();
        int kind = rnd.nextInt(8);
        int at = rnd.nextInt(4) > 0 ? rnd.nextInt(Math.min(headerBytes, b.length)) : rnd.nextInt(b.length);
        switch (kind) {
            case 0 -> { // flip bits
                for (int i = 0; i < 1 + rnd.nextInt(8); i++) {
                    int p = rnd.nextInt(4) > 0 ? rnd.nextInt(Math.min(headerBytes, b.length)) : rnd.nextInt(b.length);
                    b[p] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> { // a random byte
                b[at] = (byte) rnd.nextInt(256);
            }
            case 2 -> { // an extreme 64-bit value, as a length, count or offset would be
                long[] extremes = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 1L << 62, 0x7FFFFFFFL, 0xFFFFFFFFL, 0};
                if (at + 8 <= b.length) {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, extremes[rnd.nextInt(extremes.length)]);
                }
            }
            case 3 -> { // an extreme 32-bit value
                int[] extremes = {-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 30, 0, 65536, 99};
                if (at + 4 <= b.length) {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, extremes[rnd.nextInt(extremes.length)]);
                }
            }
            case 4 -> { // truncate
                return java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            }
            case 5 -> { // cut a slice out
                int len = 1 + rnd.nextInt(Math.max(1, Math.min(64, b.length - at)));
                byte[] out = new byte[b.length - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, b.length - at - len);
                return out;
            }
            case 6 -> { // insert random bytes
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(extra);
                byte[] out = new byte[b.length + extra.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, extra.length);
                System.arraycopy(b, at, out, at + extra.length, b.length - at);
                return out;
            }
            default -> { // random bytes, keeping the magic sometimes
                byte[] out = new byte[rnd.nextInt(4096)];
                rnd.nextBytes(out);
                if (rnd.nextBoolean() && out.length >= 4) {
                    System.arraycopy(original, 0, out, 0, 4);
                }
                return out;
            }
        }
        return b;
    }

    /** What a fuzz case runs; it may throw only {@code allowed}. */
    interface Case {
        void run() throws Exception;
    }

    private static void check(String what, long seed, Case c, Class<? extends Exception> allowed) throws Exception {
        Future<?> f = worker.submit(() -> {
            c.run();
            return null;
        });
        try {
            f.get(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            fail(what + " case " + seed + " did not finish within " + CASE_TIMEOUT_SECONDS + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable t = e.getCause();
            if (!allowed.isInstance(t)) {
                throw new AssertionError(what + " case " + seed + " threw " + t, t);
            }
            assertTrue(t.getMessage() != null && !t.getMessage().isBlank(), what + " case " + seed + ": empty message");
        }
    }

    private int fuzzModel(String name, Path tokenizer, int headerBytes, long seedBase) throws Exception {
        byte[] original = Files.readAllBytes(Shared.model(name));
        Path file = dir.resolve("fuzz-" + name);
        int loaded = 0;
        for (int i = 0; i < CASES; i++) {
            long seed = seedBase + i;
            Files.write(file, mutate(original, new Random(seed), headerBytes));
            int[] ok = {0};
            check(name, seed, () -> {
                ModelLoader.load(file, tokenizer);
                ok[0] = 1;
            }, ModelFormatException.class);
            loaded += ok[0];
        }
        System.err.printf("fuzz: %s: %d mutants, %d loaded, %d rejected with ModelFormatException%n", name, CASES, loaded,
                CASES - loaded);
        return loaded;
    }

    @Test
    void ggufReader() throws Exception {
        // the header (metadata, vocabulary and tensor infos) is the first 14,152 bytes
        int loaded = fuzzModel("stories260K.gguf", null, 14_152, 1_000_000);
        assertTrue(loaded > 0 && loaded < CASES, "some mutants load and some fail: " + loaded + " loaded");
    }

    @Test
    void llama2cReader() throws Exception {
        int loaded = fuzzModel("stories260K.bin", Shared.model("tok512.bin"), 64, 2_000_000);
        assertTrue(loaded > 0 && loaded < CASES, "some mutants load and some fail: " + loaded + " loaded");
    }

    @Test
    void tokenizerReaderAndEncoder() throws Exception {
        byte[] original = Files.readAllBytes(Shared.model("tok512.bin"));
        Path file = dir.resolve("fuzz-tok512.bin");
        Tokenizer tok = Tokenizer.of(Llama2cTokenizerReader.read(Shared.model("tokenizer.bin")));
        int[] counts = new int[2]; // tokenizer mutants loaded, texts that round-tripped
        for (int i = 0; i < CASES; i++) {
            long seed = 3_000_000 + i;
            Random rnd = new Random(seed);
            Files.write(file, mutate(original, rnd, original.length));
            check("tok512.bin", seed, () -> {
                Tokenizer t = Tokenizer.of(Llama2cTokenizerReader.read(file, 512));
                t.decodeText(t.encode("Once upon a time, 你好 😀", true, false));
                counts[0]++;
            }, ModelFormatException.class);
            String text = randomText(rnd);
            boolean eos = rnd.nextBoolean();
            check("encode", seed, () -> {
                int[] ids = tok.encode(text, true, eos);
                String back = tok.decodeText(java.util.Arrays.copyOf(ids, ids.length - (eos ? 1 : 0)));
                // decoding drops ASCII controls other than whitespace, as llama2.c's safe_printf does
                String expected = text.replaceAll("[\\x00-\\x08\\x0E-\\x1F\\x7F]", "");
                if (!back.equals(expected)) {
                    int at = 0;
                    while (at < Math.min(back.length(), expected.length()) && back.charAt(at) == expected.charAt(at)) {
                        at++;
                    }
                    throw new AssertionError("encode case " + seed + ": decode(encode(text)) differs from the text at char " + at
                            + ": " + escape(expected.substring(at, Math.min(expected.length(), at + 8))) + " became "
                            + escape(back.substring(at, Math.min(back.length(), at + 8))));
                }
                counts[1]++;
            }, IllegalArgumentException.class);
        }
        System.err.printf("fuzz: tok512.bin: %d mutants, %d loaded; 32k tokenizer: %d random texts, %d round-tripped exactly, "
                + "%d refused (unpaired surrogates)%n", CASES, counts[0], CASES, counts[1], CASES - counts[1]);
        assertTrue(counts[1] > CASES / 2, "most random texts are valid and round-trip");
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.chars().forEach(c -> b.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\u%04X", c)));
        return b.append('"').toString();
    }

    /** Random UTF-16: ASCII, controls, BMP, supplementary pairs, and unpaired surrogates now and then. */
    private static String randomText(Random rnd) {
        StringBuilder b = new StringBuilder();
        int n = rnd.nextInt(rnd.nextInt(10) == 0 ? 2000 : 40);
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(6)) {
                case 0 -> b.append((char) rnd.nextInt(128));
                case 1 -> b.append((char) (0x80 + rnd.nextInt(0x700)));
                case 2 -> b.append((char) (0x4E00 + rnd.nextInt(0x5000)));
                case 3 -> b.appendCodePoint(0x10000 + rnd.nextInt(0xFFFFF));
                case 4 -> b.append(rnd.nextInt(50) == 0 ? (char) (0xD800 + rnd.nextInt(0x800)) : ' ');
                default -> b.append("the dog ");
            }
        }
        return b.toString();
    }
}
