package io.sparkllama.format;

/**
 * A tensor's values in typed heap arrays, ready for the kernels (which use only Vector API calls
 * on typed arrays, see DESIGN.md "Platform"). Exactly the fields of its type are set:
 * <ul>
 * <li>F32: {@link #f32}</li>
 * <li>F16 and BF16: {@link #bits16}, the raw 16-bit patterns</li>
 * <li>block types (Q4_0 ... Q6_K, IQ4_NL, IQ4_XS): {@link #blocks}, the file's blocks byte for
 * byte (FORMATS.md section 1 has every layout); the kernels repack them as they need</li>
 * </ul>
 */
public final class TensorData {
    public final String name;
    public final GgmlType type;
    public final int rows;
    public final int cols;
    public final float[] f32;
    public final short[] bits16;
    public final byte[] blocks;

    private TensorData(String name, GgmlType type, int rows, int cols,
                       float[] f32, short[] bits16, byte[] blocks) {
        this.name = name;
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.f32 = f32;
        this.bits16 = bits16;
        this.blocks = blocks;
    }

    public static TensorData ofF32(String name, int rows, int cols, float[] values) {
        return new TensorData(name, GgmlType.F32, rows, cols, values, null, null);
    }

    public static TensorData of16(String name, GgmlType type, int rows, int cols, short[] bits) {
        if (type != GgmlType.F16 && type != GgmlType.BF16) {
            throw new IllegalArgumentException("16-bit data must be F16 or BF16, not " + type);
        }
        return new TensorData(name, type, rows, cols, null, bits, null);
    }

    /** A block-quantized tensor: {@code blocks} holds its rows' blocks as in the file. */
    public static TensorData ofBlocks(String name, GgmlType type, int rows, int cols, byte[] blocks) {
        if (type.blockSize == 1) {
            throw new IllegalArgumentException(type + " is not a block type");
        }
        if (cols % type.blockSize != 0 || blocks.length != type.bytesFor((long) rows * cols)) {
            throw new IllegalArgumentException(name + ": " + blocks.length + " bytes of " + type + " blocks do not fit "
                    + rows + "x" + cols);
        }
        return new TensorData(name, type, rows, cols, null, null, blocks);
    }

    /** Number of elements. */
    public long elements() {
        return (long) rows * cols;
    }
}
