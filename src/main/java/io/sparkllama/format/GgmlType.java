package io.sparkllama.format;

/**
 * ggml tensor types. Every id of the ggml enumeration with a known block layout is named, so
 * that an unsupported type is reported by name. The engine loads the float types, the 32-element
 * block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL), the K-quants Q2_K to Q6_K and IQ4_XS: every
 * type llama.cpp's quantizer writes for the Q2_K..Q8_0 and IQ4 file types (FORMATS.md section 2).
 * The IQ1/IQ2/IQ3 types, the ternary types and MXFP4 need lookup grids the engine does not have.
 */
public enum GgmlType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, true),
    Q5_1(7, 32, 24, true),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, true),
    Q3_K(11, 256, 110, true),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, true),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, true),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true),
    TQ1_0(34, 256, 54, false),
    TQ2_0(35, 256, 66, false),
    MXFP4(39, 32, 17, false);

    /** Id in GGUF tensor infos. */
    public final int id;
    /** Elements per block (1 for plain types). */
    public final int blockSize;
    /** Bytes per block. */
    public final int blockBytes;
    /** Whether this engine can load tensors of the type. */
    public final boolean supported;

    GgmlType(int id, int blockSize, int blockBytes, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.supported = supported;
    }

    /** Names of the supported types, for messages. */
    public static String supportedNames() {
        StringBuilder b = new StringBuilder();
        for (GgmlType t : values()) {
            if (t.supported) {
                b.append(b.length() == 0 ? "" : ", ").append(t);
            }
        }
        return b.toString();
    }

    /** The type with the given GGUF id, or null when the id names no known type. */
    public static GgmlType byId(long id) {
        for (GgmlType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** Bytes taken by {@code elements} elements; the caller ensures divisibility by the block size. */
    public long bytesFor(long elements) {
        return elements / blockSize * blockBytes;
    }
}
