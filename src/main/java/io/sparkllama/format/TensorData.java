package io.sparkllama.format;

/**
 * A tensor's values in typed heap arrays, ready for the kernels (which use only Vector API calls
 * on typed arrays, see DESIGN.md "Platform"). Exactly the fields of its type are set:
 * <ul>
 * <li>F32: {@link #f32}</li>
 * <li>F16 and BF16: {@link #bits16}, the raw 16-bit patterns</li>
 * <li>Q8_0: {@link #quants}, one signed byte per element; {@link #scales}, one per 32 elements</li>
 * <li>Q4_0: {@link #quants}, ggml's packing (16 bytes per block: element j in the low nibble of
 * byte j, element 16+j in its high nibble); {@link #scales}, one per 32 elements</li>
 * </ul>
 * Block scales are stored as float (converted exactly from the file's fp16).
 */
public final class TensorData {
    public final String name;
    public final GgmlType type;
    public final int rows;
    public final int cols;
    public final float[] f32;
    public final short[] bits16;
    public final byte[] quants;
    public final float[] scales;

    private TensorData(String name, GgmlType type, int rows, int cols,
                       float[] f32, short[] bits16, byte[] quants, float[] scales) {
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.f32 = f32;
        this.bits16 = bits16;
        this.quants = quants;
        this.scales = scales;
    }

    public static TensorData ofF32(String name, int rows, int cols, float[] values) {
        return new TensorData(name, GgmlType.F32, rows, cols, values, null, null, null);
    }

    public static TensorData of16(String name, GgmlType type, int rows, int cols, short[] bits) {
        if (type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("16-bit data must be F16 or BF16, not " + type);
        }
        return new TensorData(name, type, rows, cols, null, bits, null, null);
    }

    public static TensorData ofBlocks(String name, GgmlType type, int rows, int cols, byte[] quants, float[] scales) {
        if (type != GgmlType.Q8_0 && type != GgmlType.Q4_0) {
            throw new IllegalArgumentException("block data must be Q8_0 or Q4_0, not " + type);
        }
        return new TensorData(name, type, rows, cols, null, null, quants, scales);
    }

    /** Number of elements. */
    public long elements() {
        return (long) rows * cols;
    }
}
