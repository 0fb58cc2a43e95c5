package io.sparkllama.kernels;

/**
 * Weights quantized in blocks of 32 columns with one float scale per block (Q8_0, Q4_0), stored
 * in {@link Panels} of 8 rows: one vector holds one column of a panel and a vector lane is a row.
 *
 * <p><b>Reduction order</b> (the numerics contract of Q8_0 and Q4_0 products): each output
 * element is {@code acc = 0}, then for every block in order a chain {@code t = 0},
 * {@code t = fma(q[c], x[c], t)} over the block's 32 columns in order, folded in by
 * {@code acc = fma(t, d, acc)}. {@code q[c]} is the integer weight converted to float (exactly)
 * and {@code d} the block's scale. A subclass may keep its integers multiplied by a power of two
 * {@code 2^k} (cheaper to extract) and its scales by {@code 2^-k}: every product and sum is then
 * the same up to that exact power of two. This is the order of the block formats themselves
 * (llama.cpp also sums a block's integer products before it scales them): a kernel multiplies by
 * the scale once per block, not once per weight.
 *
 * <p>A batch of one runs the subclass's kernel, a group of panels at a time. Batches of eight or
 * more run each panel first against eight sequences with its integers made in registers (the
 * subclass's eight-row kernel, which every block type has), which also leaves them as unscaled
 * floats in a scratch, and the rest of the batch runs the {@link BlockPanels} products on those
 * floats; batches of two to seven unpack two panels at a time ({@link #unpackPanel}) and run
 * the same products (see {@link PanelMatrix}). Either way each weight is converted once per call
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

    /** Panel p's integer weights as the kernels convert them (unscaled), as floats at {@code dst[off + c * 8 + lane]}. */
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

    @Override
    protected final boolean hasEightKernel() {
        return true;
    }

    @Override
    protected abstract void panelTimesEight(int p, float[] xi, float[] res, float[] floats, int off);

    /** Where panel p's scales start in {@link #scales}. */
    protected final int scaleStart(int p) {
        return p * blocksPerRow * PANEL;
    }

    @Override
    protected final void pairTimesFour(float[] w, int w0, int w1, int p, float[] x, int xo, float[] res) {
        BlockPanels.panels2Times4(w, w0, w1, scales, scaleStart(p), scaleStart(p + 1), cols, x, xo, res);
    }

    @Override
    protected final void panelTimesRow(float[] w, int w0, int p, float[] x, int xo, float[] res) {
        BlockPanels.panelTimes1(w, w0, scales, scaleStart(p), cols, x, xo, res);
    }
}
