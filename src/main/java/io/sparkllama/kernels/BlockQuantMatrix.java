package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.Half;

/**
 * A quantized type kept as the file's own blocks, repacked into {@link Panels} at load so that
 * one vector load gives the same field of a block for every row of a panel:
 * <ul>
 * <li>the block's quant bytes (a range of the file's block), transposed:
 * byte k of row r's block blk at {@code raw[rawIndex(r/P, blk, k) + r%P]};</li>
 * <li>its fp16 fields (scale {@code d}, minimum) as floats, exactly: {@link #halfIndex};</li>
 * <li>its packed sub-block scale codes (6-bit pairs, nibbles...) decoded at load into one signed
 * byte each by the type's {@link CodeDecoder}: {@link #codeIndex}. A kernel then makes a
 * sub-block's scale as {@code d * code}, an exact float product, with three vector operations.</li>
 * </ul>
 * Memory is the file's size plus about 2 bytes per field and block (5% for Q4_K), and the rows
 * padding the last panel (zero bytes, zero scales).
 */
abstract class BlockQuantMatrix extends QuantMatrix {
    protected final GgmlType format;
    protected final int blockSize;
    protected final int blocksPerRow;
    /** Quant bytes per block. */
    protected final int quantBytes;
    /** fp16 fields per block. */
    protected final int halvesPerBlock;
    /** Decoded scale codes per block. */
    protected final int codesPerBlock;
    /** The transposed quant bytes. */
    protected final byte[] raw;
    /** The fp16 fields as floats, {@code [panel][block][field][lane]}. */
    protected final float[] halves;
    /** The decoded scale codes, {@code [panel][block][code][lane]}. */
    protected final byte[] codes;

    /** Decodes one file block's packed sub-block scales into {@code codesPerBlock} signed bytes. */
    protected interface CodeDecoder {
        void decode(byte[] file, int block, byte[] dst);
    }

    /**
     * @param halfFields byte offsets of the block's fp16 fields
     * @param quantStart byte offset where the quant bytes begin
     * @param quantEnd   byte offset where they end
     * @param codes      codes per block and their decoder (0 and null for types without)
     */
    protected BlockQuantMatrix(String name, GgmlType format, int rows, int cols, byte[] fileBlocks, int group, int sub,
                               boolean hasOffsets, int[] halfFields, int quantStart, int quantEnd, int codes,
                               CodeDecoder decoder) {
        super(name, rows, cols, group, sub, hasOffsets);
        this.format = format;
        this.blockSize = format.blockSize;
        if (cols % blockSize != 0 || fileBlocks.length != format.bytesFor((long) rows * cols)) {
            throw new IllegalArgumentException(name + ": " + format + " data does not fit " + rows + "x" + cols);
        }
        this.blocksPerRow = cols / blockSize;
        this.quantBytes = quantEnd - quantStart;
        this.halvesPerBlock = halfFields.length;
        this.codesPerBlock = codes;
        int blocks = panels * blocksPerRow;
        this.raw = new byte[blocks * quantBytes * PANEL];
        this.halves = new float[blocks * halvesPerBlock * PANEL];
        this.codes = new byte[blocks * codesPerBlock * PANEL];
        byte[] decoded = new byte[codes];
        // panel by panel, block by block, so the block's transposed bytes stay in cache for its rows
        for (int p = 0; p < panels; p++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                for (int lane = 0, r = p * PANEL; lane < PANEL && r < rows; lane++, r++) {
                    int from = (r * blocksPerRow + blk) * format.blockBytes;
                    for (int k = 0, to = rawIndex(p, blk, 0) + lane, at = from + quantStart; k < quantBytes; k++, to += PANEL) {
                        raw[to] = fileBlocks[at + k];
                    }
                    for (int f = 0; f < halvesPerBlock; f++) {
                        short bits = (short) ((fileBlocks[from + halfFields[f]] & 0xFF) | fileBlocks[from + halfFields[f] + 1] << 8);
                        if ((bits & 0x7C00) == 0x7C00) {
                            throw new IllegalArgumentException(name + ": " + format + " block " + blk + " of row " + r
                                    + " has an infinite or NaN scale");
                        }
                        halves[halfIndex(p, blk, f) + lane] = Half.toFloat(bits);
                    }
                    if (codes > 0) {
                        decoder.decode(fileBlocks, from, decoded);
                        for (int k = 0; k < codes; k++) {
                            this.codes[codeIndex(p, blk, k) + lane] = decoded[k];
                        }
                    }
                }
            }
        }
    }

    @Override
    public final GgmlType type() {
        return format;
    }

    @Override
    public final long bytes() {
        return raw.length + 4L * halves.length + codes.length;
    }

    /** Where quant byte k of panel p's block blk is (lane 0). */
    protected final int rawIndex(int p, int blk, int k) {
        return ((p * blocksPerRow + blk) * quantBytes + k) * PANEL;
    }

    /** Where fp16 field f of panel p's block blk is, as floats (lane 0). */
    protected final int halfIndex(int p, int blk, int f) {
        return ((p * blocksPerRow + blk) * halvesPerBlock + f) * PANEL;
    }

    /** Where scale code k of panel p's block blk is (lane 0). */
    protected final int codeIndex(int p, int blk, int k) {
        return ((p * blocksPerRow + blk) * codesPerBlock + k) * PANEL;
    }

    /** Row r's quant byte k of block blk, unsigned. */
    protected final int u8(int r, int blk, int k) {
        return raw[rawIndex(r / PANEL, blk, k) + r % PANEL] & 0xFF;
    }

    /** Row r's fp16 field f of block blk. */
    protected final float half(int r, int blk, int f) {
        return halves[halfIndex(r / PANEL, blk, f) + r % PANEL];
    }

    /** Row r's scale code k of block blk. */
    protected final int code(int r, int blk, int k) {
        return codes[codeIndex(r / PANEL, blk, k) + r % PANEL];
    }

    /** The unsigned byte at {@code file[at]}. */
    protected static int u8(byte[] file, int at) {
        return file[at] & 0xFF;
    }
}
