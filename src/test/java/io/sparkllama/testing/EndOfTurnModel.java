package io.sparkllama.testing;

import io.sparkllama.engine.ChatFormat;
import io.sparkllama.engine.Engine;
import io.sparkllama.engine.EngineOptions;
import io.sparkllama.engine.FinishReason;
import io.sparkllama.engine.GenerationRequest;
import io.sparkllama.engine.GenerationResult;
import io.sparkllama.engine.SamplingParams;
import io.sparkllama.format.GgmlType;
import io.sparkllama.format.GgufReader;
import io.sparkllama.format.Half;
import io.sparkllama.format.ModelFile;
import io.sparkllama.format.TensorInfo;
import io.sparkllama.model.LoadedModel;
import io.sparkllama.model.ModelLoader;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;

/**
 * llama3-mini.gguf has random weights, so greedy decoding never picks {@code <|eot_id|>} (1 of
 * 128,256 tokens). This writes a copy with its own {@code output.weight} (untied: the embedding
 * and so every hidden state stay as they are), equal to the Q8_0 embedding except that the
 * {@code <|eot_id|>} row is twice the row of the token greedy decoding picks at a chosen step
 * of a chat prompt: end of turn then scores twice that token's (largest, positive) logit there,
 * and generation ends after that many tokens.
 */
public final class EndOfTurnModel {
    public static final int EOT = 128009;
    public static final LocalDate DATE = LocalDate.of(2024, 7, 26);
    private static final int ROW_BYTES = 2 * 34;

    private EndOfTurnModel() {
    }

    /** The copy, and after how many generated tokens its chat reply to the prompt ends. */
    public record Copy(Path path, int steps) {
    }

    /** Writes the copy to {@code out}; the reply to {@code user} ends after {@code step} tokens or, if an earlier step would already end it, the first later step that works. */
    public static Copy write(Path out, String user, int step) throws Exception {
        Path source = Shared.model("llama3-mini.gguf");
        TensorInfo embd;
        try (ModelFile f = GgufReader.open(source)) {
            embd = f.tensors().get("token_embd.weight");
            if (embd.type() != GgmlType.Q8_0 || embd.cols() != 64 || f.tensors().containsKey("output.weight")) {
                throw new IllegalStateException("llama3-mini.gguf no longer has a tied Q8_0 embedding of width 64");
            }
        }
        byte[] original = Files.readAllBytes(source);
        int[] greedy = greedy(source, user, step + 8).tokens();
        for (int k = step; k < greedy.length; k++) {
            byte[] output = Arrays.copyOfRange(original, (int) embd.offset(), (int) (embd.offset() + embd.bytes()));
            System.arraycopy(output, greedy[k] * ROW_BYTES, output, EOT * ROW_BYTES, ROW_BYTES);
            for (int block = 0; block < 2; block++) {
                int at = EOT * ROW_BYTES + block * 34;
                short doubled = Half.fromFloat(2 * Half.toFloat((short) ((output[at] & 0xFF) | (output[at + 1] & 0xFF) << 8)));
                output[at] = (byte) doubled;
                output[at + 1] = (byte) (doubled >> 8);
            }
            Files.write(out, withTensor(original, "output.weight", GgmlType.Q8_0, embd.dims(), output));
            GenerationResult r = greedy(out, user, k + 1);
            if (r.finishReason() == FinishReason.STOP && r.tokens().length == k
                    && Arrays.equals(r.tokens(), Arrays.copyOf(greedy, k))) {
                return new Copy(out, k);
            }
        }
        throw new IllegalStateException("no copy of llama3-mini.gguf ends its reply to \"" + user + "\" after " + step
                + " to " + greedy.length + " tokens");
    }

    private static GenerationResult greedy(Path model, String user, int maxTokens) throws Exception {
        LoadedModel m = ModelLoader.load(model, null);
        try (Engine engine = new Engine(m, EngineOptions.DEFAULTS.withMaxSequences(1).withThreads(1))) {
            String prompt = ChatFormat.of(ChatFormat.MODEL, m, DATE).render(null, user);
            return engine.generate(GenerationRequest.of(prompt, SamplingParams.GREEDY.withMaxTokens(maxTokens)).withParseSpecial(true));
        }
    }

    /** A GGUF file's bytes with one more tensor, its data after the others. */
    static byte[] withTensor(byte[] gguf, String name, GgmlType type, long[] dims, byte[] data) {
        ByteBuffer in = ByteBuffer.wrap(gguf).order(ByteOrder.LITTLE_ENDIAN);
        in.position(8);
        long tensors = in.getLong();
        long kvs = in.getLong();
        long alignment = 32;
        for (long i = 0; i < kvs; i++) {
            String key = string(in);
            int valueType = in.getInt();
            int valueAt = in.position();
            skipValue(in, valueType);
            if (key.equals("general.alignment")) {
                alignment = ByteBuffer.wrap(gguf, valueAt, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            }
        }
        for (long i = 0; i < tensors; i++) {
            string(in);
            int n = in.getInt();
            in.position(in.position() + 8 * n + 4 + 8);
        }
        int infosEnd = in.position();
        int dataStart = (int) align(infosEnd, alignment);
        int oldData = gguf.length - dataStart;
        long newOffset = align(oldData, alignment);

        ByteBuffer info = ByteBuffer.allocate(8 + name.length() + 4 + 8 * dims.length + 4 + 8).order(ByteOrder.LITTLE_ENDIAN);
        info.putLong(name.length()).put(name.getBytes(StandardCharsets.UTF_8)).putInt(dims.length);
        for (long d : dims) {
            info.putLong(d);
        }
        info.putInt(type.id).putLong(newOffset);

        ByteArrayOutputStream out = new ByteArrayOutputStream(gguf.length + data.length + 256);
        byte[] head = Arrays.copyOf(gguf, infosEnd);
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(8, tensors + 1);
        out.writeBytes(head);
        out.writeBytes(info.array());
        int newInfosEnd = infosEnd + info.capacity();
        out.writeBytes(new byte[(int) (align(newInfosEnd, alignment) - newInfosEnd)]);
        out.write(gguf, dataStart, oldData);
        out.writeBytes(new byte[(int) (newOffset - oldData)]);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private static long align(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private static String string(ByteBuffer in) {
        int n = (int) in.getLong();
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void skipValue(ByteBuffer in, int type) {
        switch (type) {
            case 0, 1, 7 -> in.position(in.position() + 1);
            case 2, 3 -> in.position(in.position() + 2);
            case 4, 5, 6 -> in.position(in.position() + 4);
            case 10, 11, 12 -> in.position(in.position() + 8);
            case 8 -> string(in);
            case 9 -> {
                int elementType = in.getInt();
                long n = in.getLong();
                for (long i = 0; i < n; i++) {
                    skipValue(in, elementType);
                }
            }
            default -> throw new IllegalStateException("GGUF value type " + type);
        }
    }
}
