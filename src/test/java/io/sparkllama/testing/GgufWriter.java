package io.sparkllama.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF files for tests, including deliberately broken ones: every field can be set to
 * any value, so hostile headers (absurd counts, lengths, offsets, types) are easy to build.
 */
public final class GgufWriter {
    public static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private int magic = 0x46554747;
    private int version = 3;
    private Long tensorCountOverride;
    private Long kvCountOverride;
    private final ByteArrayOutputStream kvs = new ByteArrayOutputStream();
    private int kvCount;
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = 32;

    private record Tensor(String name, long[] dims, int type, byte[] data, Long offsetOverride) {
    }

    public GgufWriter magic(int m) {
        magic = m;
        return this;
    }

    public GgufWriter version(int v) {
        version = v;
        return this;
    }

    public GgufWriter tensorCount(long n) {
        tensorCountOverride = n;
        return this;
    }

    public GgufWriter kvCount(long n) {
        kvCountOverride = n;
        return this;
    }

    /** Adds a metadata entry whose value bytes are already encoded. */
    public GgufWriter kvRaw(String key, int type, byte[] value) {
        write(kvs, str(key));
        write(kvs, u32(type));
        write(kvs, value);
        kvCount++;
        return this;
    }

    public GgufWriter u32(String key, long v) {
        return kvRaw(key, UINT32, u32(v));
    }

    public GgufWriter f32(String key, float v) {
        return kvRaw(key, FLOAT32, le(4).putFloat(v).array());
    }

    public GgufWriter string(String key, String v) {
        return kvRaw(key, STRING, str(v));
    }

    public GgufWriter bool(String key, boolean v) {
        return kvRaw(key, BOOL, new byte[] {(byte) (v ? 1 : 0)});
    }

    public GgufWriter alignment(int a) {
        alignment = a;
        return u32("general.alignment", a);
    }

    public GgufWriter strings(String key, String[] values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        write(b, u32(STRING));
        write(b, u64(values.length));
        for (String v : values) {
            write(b, str(v));
        }
        return kvRaw(key, ARRAY, b.toByteArray());
    }

    public GgufWriter floats(String key, float[] values) {
        ByteBuffer b = le(12 + 4 * values.length).putInt(FLOAT32).putLong(values.length);
        for (float v : values) {
            b.putFloat(v);
        }
        return kvRaw(key, ARRAY, b.array());
    }

    public GgufWriter ints(String key, int[] values) {
        ByteBuffer b = le(12 + 4 * values.length).putInt(INT32).putLong(values.length);
        for (int v : values) {
            b.putInt(v);
        }
        return kvRaw(key, ARRAY, b.array());
    }

    /** Adds a tensor; {@code dims} in ggml order (innermost first). */
    public GgufWriter tensor(String name, int type, byte[] data, long... dims) {
        tensors.add(new Tensor(name, dims, type, data, null));
        return this;
    }

    /** Adds a tensor info with an explicit data offset (its data is not written). */
    public GgufWriter tensorAt(String name, int type, long offset, long... dims) {
        tensors.add(new Tensor(name, dims, type, new byte[0], offset));
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, le(4).putInt(magic).array());
        write(out, u32(version));
        write(out, u64(tensorCountOverride != null ? tensorCountOverride : tensors.size()));
        write(out, u64(kvCountOverride != null ? kvCountOverride : kvCount));
        write(out, kvs.toByteArray());
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Tensor t : tensors) {
            write(out, str(t.name));
            write(out, u32(t.dims.length));
            for (long d : t.dims) {
                write(out, u64(d));
            }
            write(out, u32(t.type));
            long off = t.offsetOverride != null ? t.offsetOverride : offset;
            write(out, u64(off));
            offsets.add(off);
            if (t.offsetOverride == null) {
                offset += t.data.length;
                offset = (offset + alignment - 1) / alignment * alignment;
            }
        }
        pad(out);
        for (Tensor t : tensors) {
            if (t.offsetOverride == null) {
                write(out, t.data);
                pad(out);
            }
        }
        return out.toByteArray();
    }

    public Path write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, bytes());
        return file;
    }

    private void pad(ByteArrayOutputStream out) {
        while (out.size() % alignment != 0) {
            out.write(0);
        }
    }

    public static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return le(8 + b.length).putLong(b.length).put(b).array();
    }

    public static byte[] u32(long v) {
        return le(4).putInt((int) v).array();
    }

    public static byte[] u64(long v) {
        return le(8).putLong(v).array();
    }

    public static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static byte[] f32Data(float[] v) {
        ByteBuffer b = le(4 * v.length);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    public static byte[] u16Data(short[] v) {
        ByteBuffer b = le(2 * v.length);
        for (short s : v) {
            b.putShort(s);
        }
        return b.array();
    }

    private static void write(ByteArrayOutputStream out, byte[] b) {
        out.write(b, 0, b.length);
    }
}
