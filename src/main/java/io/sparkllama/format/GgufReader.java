package io.sparkllama.format;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads GGUF v2 and v3 files (see ggml's docs/gguf.md): header, metadata of every value type
 * (nested arrays included), tensor infos and {@code general.alignment}. Tensor data is read on
 * demand.
 *
 * <p>Every count and length is checked against the bytes left in the file before anything is
 * allocated, so a hostile file (2^40 tensors, a 2^62-byte string) fails fast with a
 * {@link ModelFormatException}.
 */
public final class GgufReader {
    /** "GGUF" read as a little-endian uint32. */
    static final int MAGIC = 0x46554747;

    static final int T_UINT8 = 0, T_INT8 = 1, T_UINT16 = 2, T_INT16 = 3, T_UINT32 = 4, T_INT32 = 5,
            T_FLOAT32 = 6, T_BOOL = 7, T_STRING = 8, T_ARRAY = 9, T_UINT64 = 10, T_INT64 = 11, T_FLOAT64 = 12;

    private static final int MAX_DIMS = 4;
    private static final int MAX_NESTING = 8;
    /** Smallest possible encoding of one metadata entry: key length, value type, one-byte value. */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    /** Smallest possible tensor info: name length, n_dims, type, offset (no dims). */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

    private GgufReader() {
    }

    /** Opens {@code path} and reads everything but the tensor data. */
    public static ModelFile open(Path path) throws ModelFormatException {
        return FileInput.parse(path, GgufReader::parse);
    }

    private static ModelFile parse(FileInput in) throws ModelFormatException {
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw in.error(String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, MAGIC));
        }
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            throw in.error("unsupported GGUF version " + version + " (2 and 3 are supported)");
        }
        long tensorCount = in.i64("tensor count");
        long kvCount = in.i64("metadata count");
        if (kvCount < 0 || kvCount > in.remaining() / MIN_KV_BYTES) {
            throw in.error("truncated or corrupt header: " + Long.toUnsignedString(kvCount) + " metadata entries cannot fit in "
                    + in.remaining() + " remaining bytes");
        }
        if (tensorCount < 0 || tensorCount > in.remaining() / MIN_TENSOR_INFO_BYTES) {
            throw in.error("truncated or corrupt header: " + Long.toUnsignedString(tensorCount) + " tensors cannot fit in "
                    + in.remaining() + " remaining bytes");
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string(in, "metadata key #" + i);
            int type = (int) in.u32("type of " + key);
            Object value = value(in, type, key, 0);
            if (metadata.put(key, value) != null) {
                throw in.error("duplicate metadata key " + key);
            }
        }
        long alignment = 32;
        Object align = metadata.get("general.alignment");
        if (align != null) {
            if (!(align instanceof Long a) || a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
                throw in.error("general.alignment must be a power of two, is " + align);
            }
            alignment = (Long) align;
        }
        Map<String, RawInfo> raw = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string(in, "name of tensor #" + i);
            long nDims = in.u32("dimension count of " + name);
            if (nDims > MAX_DIMS) {
                throw in.error("tensor " + name + " has " + nDims + " dimensions (at most " + MAX_DIMS + ")");
            }
            long[] dims = new long[(int) nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.i64("dimension " + d + " of " + name);
                if (dims[d] <= 0 || dims[d] > (1L << 40) || elements > (1L << 50) / dims[d]) {
                    throw in.error("tensor " + name + " has an invalid dimension " + Long.toUnsignedString(dims[d]));
                }
                elements *= dims[d];
            }
            long typeId = in.u32("type of " + name);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw in.error("tensor " + name + " has unknown type id " + typeId + removedTypeNote(typeId));
            }
            long offset = in.i64("offset of " + name);
            if (raw.put(name, new RawInfo(name, type, dims, offset)) != null) {
                throw in.error("duplicate tensor " + name);
            }
        }
        long dataStart = alignUp(in.position(), alignment);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (RawInfo r : raw.values()) {
            tensors.put(r.name, check(in, r, dataStart, alignment));
        }
        return new ParsedModelFile(in, "GGUF v" + version, Collections.unmodifiableMap(metadata),
                Collections.unmodifiableMap(tensors));
    }

    private record RawInfo(String name, GgmlType type, long[] dims, long offset) {
    }

    private static TensorInfo check(FileInput in, RawInfo r, long dataStart, long alignment)
            throws ModelFormatException {
        long elements = 1;
        for (long d : r.dims) {
            elements *= d;
        }
        long cols = r.dims.length == 0 ? 1 : r.dims[0];
        if (cols % r.type.blockSize != 0) {
            throw in.error("tensor " + r.name + " of type " + r.type + " has rows of " + cols
                    + " elements, not a multiple of its block size " + r.type.blockSize);
        }
        if (r.offset < 0 || r.offset % alignment != 0) {
            throw in.error("tensor " + r.name + " has offset " + Long.toUnsignedString(r.offset)
                    + ", not a multiple of the alignment " + alignment);
        }
        long bytes = r.type.bytesFor(elements);
        long start = dataStart + r.offset;
        if (start < dataStart || start > in.size() || bytes > in.size() - start) {
            throw in.error("tensor " + r.name + " (" + bytes + " bytes at data offset " + Long.toUnsignedString(r.offset)
                    + ") extends past the end of the file (" + in.size() + " bytes): truncated or corrupt");
        }
        return new TensorInfo(r.name, r.type, r.dims, start);
    }

    /**
     * ggml ids 31-33 and 36-38 were the interleaved types (Q4_0_4_4 ...) that older llama.cpp
     * builds wrote and current ones refuse: name them, so the user knows to re-convert.
     */
    private static String removedTypeNote(long id) {
        String[] names = {"Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", null, null, "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8"};
        if (id >= 31 && id <= 38 && names[(int) id - 31] != null) {
            return " (" + names[(int) id - 31] + ", an interleaved type removed from GGUF files; "
                    + "convert the model again, e.g. to Q4_0)";
        }
        return "";
    }

    static long alignUp(long n, long alignment) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static String string(FileInput in, String what) throws ModelFormatException {
        long len = in.i64("length of " + what);
        return in.utf8(len, what);
    }

    private static Object value(FileInput in, int type, String key, int depth) throws ModelFormatException {
        switch (type) {
            case T_UINT8: return (long) in.u8(key);
            case T_INT8: return (long) (byte) in.u8(key);
            case T_UINT16: return (long) (in.i16(key) & 0xFFFF);
            case T_INT16: return (long) in.i16(key);
            case T_UINT32: return in.u32(key);
            case T_INT32: return (long) in.i32(key);
            case T_FLOAT32: return in.f32(key);
            case T_BOOL: {
                int b = in.u8(key);
                if (b > 1) {
                    throw in.error("metadata " + key + ": boolean byte " + b + " is neither 0 nor 1");
                }
                return b == 1;
            }
            case T_STRING: return string(in, "value of " + key);
            case T_ARRAY: return array(in, key, depth);
            case T_UINT64: case T_INT64: return in.i64(key);
            case T_FLOAT64: return in.f64(key);
            default: throw in.error("metadata " + key + " has unknown value type " + type);
        }
    }

    /** Minimum encoded size of one value of a type (strings: the 8-byte length). */
    private static int minBytes(int type) {
        switch (type) {
            case T_UINT8: case T_INT8: case T_BOOL: return 1;
            case T_UINT16: case T_INT16: return 2;
            case T_UINT32: case T_INT32: case T_FLOAT32: return 4;
            case T_UINT64: case T_INT64: case T_FLOAT64: case T_STRING: return 8;
            case T_ARRAY: return 4 + 8;
            default: return -1;
        }
    }

    private static GgufArray array(FileInput in, String key, int depth) throws ModelFormatException {
        if (depth >= MAX_NESTING) {
            throw in.error("metadata " + key + ": arrays nested deeper than " + MAX_NESTING);
        }
        int elementType = (int) in.u32("array type of " + key);
        long count = in.i64("array length of " + key);
        int min = minBytes(elementType);
        if (min < 0) {
            throw in.error("metadata " + key + " is an array of unknown value type " + elementType);
        }
        if (count < 0 || count > in.remaining() / min) {
            throw in.error("metadata " + key + " declares " + Long.toUnsignedString(count) + " elements, but only "
                    + in.remaining() + " bytes remain: truncated or corrupt");
        }
        int n = (int) count;
        switch (elementType) {
            case T_FLOAT32: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = in.f32(key);
                }
                return new GgufArray(elementType, n, v);
            }
            case T_FLOAT64: {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = in.f64(key);
                }
                return new GgufArray(elementType, n, v);
            }
            case T_BOOL: {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (Boolean) value(in, T_BOOL, key, depth);
                }
                return new GgufArray(elementType, n, v);
            }
            case T_STRING: {
                String[] v = new String[n];
                for (int i = 0; i < n; i++) {
                    v[i] = string(in, key + "[" + i + "]");
                }
                return new GgufArray(elementType, n, v);
            }
            case T_ARRAY: {
                GgufArray[] v = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    v[i] = array(in, key + "[" + i + "]", depth + 1);
                }
                return new GgufArray(elementType, n, v);
            }
            default: {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (Long) value(in, elementType, key, depth);
                }
                return new GgufArray(elementType, n, v);
            }
        }
    }
}
