package io.sparkllama.kernels;

/**
 * Weights quantized in blocks of 32 columns with one float scale per block (Q8_0, Q4_0), stored
 * in {@link Panels} of 8 rows: one vector holds one column of a panel and a vector lane is a row.
 *
 * <p>Summation follows {@link Panels}, with {@code w[c] = q[c] * d}: the integer weight converted
 * to float (exactly) times its block's scale, rounded to float (exact for the fp16 scales of
 * GGUF files, whose 11-bit significands times 8-bit integers fit in a float). A subclass may keep
 * its integers multiplied by a power of two {@code 2^k} (cheaper to extract) and its scales by
 * {@code 2^-k}: the product is the same float. A batch of one runs the subclass's kernel, which
 * scales the weights on the fly, a group of panels at a time. Larger batches unpack two panels at a
 * time into a float scratch (see {@link PanelMatrix}), so each weight is unpacked once per call
 * whatever the batch size. Rows past the matrix's end pad the last panel with zero weights and
 * scales.
 */
abstract class BlockMatrix extends PanelMatrix {
    static final int QK = 32;

    /** Block scales times {@code scaleFactor}, in panel order: {@code [panel][block][lane]}. */
    protected final float[] scales;
    protected final int blocksPerRow;

    /**
     * {@code rowMajorScales[r * blocksPerRow + blk]} is the scale of row r's block blk, as in the
     * file; they are stored times {@code scaleFactor}, a power of two that {@link #quant} undoes.
     */
    protected BlockMatrix(String name, int rows, int cols, int group, float[] rowMajorScales, float scaleFactor) {
        super(name, rows, cols, group);
        if (cols % QK != 0 || rowMajorScales.length != (long) rows * cols / QK) {
            throw new IllegalArgumentException(name + ": block data does not fit " + rows + "x" + cols);
        }
        this.blocksPerRow = cols / QK;
        this.scales = new float[panels * blocksPerRow * PANEL];
        for (int r = 0; r < rows; r++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                scales[scaleIndex(r, blk)] = rowMajorScales[r * blocksPerRow + blk] * scaleFactor;
            }
        }
    }

    /** Index of row r's scale for block blk in {@link #scales}. */
    protected final int scaleIndex(int r, int blk) {
        return ((r / PANEL) * blocksPerRow + blk) * PANEL + r % PANEL;
    }

    /**
     * Row r's integer weight at column c as the kernels convert it (the file's integer divided by
     * the constructor's {@code scaleFactor}), by plain scalar code.
     */
    protected abstract int quant(int r, int c);

    /** Panel p's weights, scaled, as floats at {@code dst[off + c * 8 + lane]}. */
    protected abstract void unpackPanel(int p, float[] dst, int off);

    @Override
    protected final float scalarWeight(int r, int c) {
        return quant(r, c) * scales[scaleIndex(r, c / QK)];
    }

    /** Unpacks the panels into this thread's scratch, so each weight is unpacked once per product. */
    @Override
    protected final float[] floatPanels(int p, int n) {
        float[] w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, n * cols * PANEL);
        for (int i = 0; i < n; i++) {
            unpackPanel(p + i, w, i * cols * PANEL);
        }
        return w;
    }

    @Override
    protected final int floatPanelStart(int p) {
        return 0;
    }
}
