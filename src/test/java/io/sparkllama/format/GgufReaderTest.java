package io.sparkllama.format;

import io.sparkllama.model.LlamaConfig;
import io.sparkllama.testing.GgufWriter;
import io.sparkllama.testing.Shared;
import io.sparkllama.tokenizer.TokenType;
import io.sparkllama.tokenizer.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsTheSharedStories260K() throws Exception {
        try (ModelFile f = GgufReader.open(Shared.model("stories260K.gguf"))) {
            assertEquals("GGUF v3", f.format());
            assertEquals("llama", f.metadata().get("general.architecture"));
            LlamaConfig c = LlamaConfig.read(f);
            assertEquals(64, c.dim());
            assertEquals(5, c.layers());
            assertEquals(8, c.heads());
            assertEquals(4, c.kvHeads());
            assertEquals(172, c.hiddenDim());
            assertEquals(512, c.vocabSize());
            assertEquals(8, c.ropeDim());
            assertEquals(1e-5f, c.rmsEps());
            TensorInfo q = f.tensors().get("blk.0.attn_q.weight");
            assertEquals(GgmlType.F32, q.type());
            assertArrayEquals(new long[] {64, 64}, q.dims());
            assertEquals(0, q.offset() % 32);
            TensorData d = f.read(f.tensors().get("blk.4.ffn_down.weight"));
            assertEquals(64, d.rows);
            assertEquals(172, d.cols);
            Vocabulary v = GgufVocabulary.read(f);
            assertEquals(512, v.size());
            assertEquals(1, v.bos());
            assertEquals(2, v.eos());
            assertEquals(TokenType.BYTE, v.type(3));
            assertEquals(0, v.byteValue(3));
            assertTrue(v.addBos());
        }
    }

    @Test
    void metadataOfEveryValueTypeAndNestedArrays() throws Exception {
        GgufWriter w = new GgufWriter().version(2)
                .kvRaw("u8", GgufWriter.UINT8, new byte[] {(byte) 200})
                .kvRaw("i8", GgufWriter.INT8, new byte[] {(byte) -5})
                .kvRaw("u16", GgufWriter.UINT16, GgufWriter.le(2).putShort((short) 60000).array())
                .kvRaw("i16", GgufWriter.INT16, GgufWriter.le(2).putShort((short) -300).array())
                .u32("u32", 4_000_000_000L)
                .kvRaw("i32", GgufWriter.INT32, GgufWriter.le(4).putInt(-7).array())
                .f32("f32", 1.5f)
                .bool("bool", true)
                .string("string", "héllo ▁world")
                .kvRaw("u64", GgufWriter.UINT64, GgufWriter.le(8).putLong(1L << 40).array())
                .kvRaw("i64", GgufWriter.INT64, GgufWriter.le(8).putLong(-(1L << 40)).array())
                .kvRaw("f64", GgufWriter.FLOAT64, GgufWriter.le(8).putDouble(2.25).array())
                .strings("strings", new String[] {"a", "", "c"})
                .floats("floats", new float[] {1f, -2f})
                .kvRaw("nested", GgufWriter.ARRAY, GgufWriter.le(12 + 12 + 8 + 12 + 4).putInt(GgufWriter.ARRAY).putLong(2)
                        .putInt(GgufWriter.UINT16).putLong(4).putShort((short) 1).putShort((short) 2).putShort((short) 3).putShort((short) 4)
                        .putInt(GgufWriter.INT32).putLong(1).putInt(42).array())
                .alignment(64)
                .tensor("t", GgmlType.F32.id, GgufWriter.f32Data(new float[] {1, 2, 3}), 3)
                .tensor("u", GgmlType.F32.id, GgufWriter.f32Data(new float[] {4, 5}), 2);
        try (ModelFile f = GgufReader.open(w.write(dir.resolve("all.gguf")))) {
            Map<String, Object> m = f.metadata();
            assertEquals("GGUF v2", f.format());
            assertEquals(200L, m.get("u8"));
            assertEquals(-5L, m.get("i8"));
            assertEquals(60000L, m.get("u16"));
            assertEquals(-300L, m.get("i16"));
            assertEquals(4_000_000_000L, m.get("u32"));
            assertEquals(-7L, m.get("i32"));
            assertEquals(1.5f, m.get("f32"));
            assertEquals(true, m.get("bool"));
            assertEquals("héllo ▁world", m.get("string"));
            assertEquals(1L << 40, m.get("u64"));
            assertEquals(-(1L << 40), m.get("i64"));
            assertEquals(2.25, m.get("f64"));
            assertArrayEquals(new String[] {"a", "", "c"}, ((GgufArray) m.get("strings")).strings());
            assertArrayEquals(new float[] {1f, -2f}, ((GgufArray) m.get("floats")).floats());
            GgufArray[] nested = (GgufArray[]) ((GgufArray) m.get("nested")).values();
            assertArrayEquals(new long[] {1, 2, 3, 4}, (long[]) nested[0].values());
            assertArrayEquals(new int[] {42}, nested[1].ints());
            assertEquals(64L, m.get("general.alignment"));
            assertEquals(0, f.tensors().get("u").offset() % 64);
            assertArrayEquals(new float[] {1, 2, 3}, f.read(f.tensors().get("t")).f32);
            assertArrayEquals(new float[] {4, 5}, f.read(f.tensors().get("u")).f32);
        }
    }

    @Test
    void blockTensorsAreReadAsTheFilesBlocks() throws Exception {
        // one Q8_0 block: fp16 scale 0.5, quants -16..15; one Q4_0 block: scale 2.0, bytes 0x81
        var q8 = GgufWriter.le(34).putShort(Half.fromFloat(0.5f));
        for (int i = 0; i < 32; i++) {
            q8.put((byte) (i - 16));
        }
        var q4 = GgufWriter.le(18).putShort(Half.fromFloat(2f));
        for (int i = 0; i < 16; i++) {
            q4.put((byte) 0x81);
        }
        GgufWriter w = new GgufWriter().tensor("q8", GgmlType.Q8_0.id, q8.array(), 32)
                .tensor("q4", GgmlType.Q4_0.id, q4.array(), 32)
                .tensor("bf", GgmlType.BF16.id, GgufWriter.u16Data(new short[] {(short) 0x3F80, (short) 0xC000}), 2);
        try (ModelFile f = GgufReader.open(w.write(dir.resolve("blocks.gguf")))) {
            TensorData a = f.read(f.tensors().get("q8"));
            assertArrayEquals(q8.array(), a.blocks);
            float[] q8row = new float[32];
            io.sparkllama.kernels.Matrices.of(a).decodeRows(0, 1, q8row, 0);
            assertEquals(-16 * 0.5f, q8row[0]);
            assertEquals(15 * 0.5f, q8row[31]);
            TensorData b = f.read(f.tensors().get("q4"));
            assertArrayEquals(q4.array(), b.blocks);
            float[] row = new float[32];
            io.sparkllama.kernels.Matrices.of(b).decodeRows(0, 1, row, 0);
            assertEquals((1 - 8) * 2f, row[0]); // low nibble 1
            assertEquals((8 - 8) * 2f, row[16]); // high nibble 8
            TensorData c = f.read(f.tensors().get("bf"));
            assertArrayEquals(new short[] {(short) 0x3F80, (short) 0xC000}, c.bits16);
        }
    }

    @Test
    void llama2cCheckpointIsPresentedInGgufTerms() throws Exception {
        try (ModelFile f = Llama2cReader.open(Shared.model("stories260K.bin"))) {
            assertEquals("llama2.c v0", f.format());
            LlamaConfig c = LlamaConfig.read(f);
            assertEquals(64, c.dim());
            assertEquals(4, c.kvHeads());
            assertFalse(f.tensors().containsKey("output.weight"), "shared classifier means no output tensor");
            assertArrayEquals(new long[] {64, 32}, f.tensors().get("blk.0.attn_k.weight").dims());
        }
    }
}
