package io.sparkllama.kernels;

/**
 * Weights quantized in blocks of 32 columns with one float scale per block (Q8_0, Q4_0), stored
 * in {@link Panels} of 8 rows: one vector holds one column of a panel and a vector lane is a row.
 *
 * <p>Summation follows {@link Panels}, with {@code w[c] = q[c] * d}: the integer weight converted
 * to float (exactly) times its block's scale, rounded to float (exact for the fp16 scales of
 * GGUF files, whose 11-bit significands times 8-bit integers fit in a float). A batch of one
 * runs the subclass's kernel, which scales the weights on the fly, four panels at a time. Larger
 * batches unpack two panels at a time into a float scratch and run the float panel products of
 * {@link Panels} on it, so each weight is unpacked once per call whatever the batch size. Rows
 * past the matrix's end pad the last panel with zero weights and scales and are never written.
 */
abstract class BlockMatrix extends WeightMatrix {
    static final int QK = 32;
    static final int PANEL = Panels.ROWS;
    static final int PANEL_GROUP = Panels.GROUP;

    /** Block scales in panel order: {@code [panel][block][lane]}. */
    protected final float[] scales;
    protected final int blocksPerRow;
    protected final int panels;

    /** {@code rowMajorScales[r * blocksPerRow + blk]} is the scale of row r's block blk, as in the file. */
    protected BlockMatrix(String name, int rows, int cols, float[] rowMajorScales) {
        super(name, rows, cols);
        if (cols % QK != 0 || rowMajorScales.length != (long) rows * cols / QK) {
            throw new IllegalArgumentException(name + ": block data does not fit " + rows + "x" + cols);
        }
        this.blocksPerRow = cols / QK;
        this.panels = Panels.count(rows);
        this.scales = new float[panels * blocksPerRow * PANEL];
        for (int r = 0; r < rows; r++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                scales[scaleIndex(r, blk)] = rowMajorScales[r * blocksPerRow + blk];
            }
        }
    }

    /** Index of row r's scale for block blk in {@link #scales}. */
    protected final int scaleIndex(int r, int blk) {
        return ((r / PANEL) * blocksPerRow + blk) * PANEL + r % PANEL;
    }

    @Override
    int rowAlignment() {
        return PANEL_GROUP * PANEL;
    }

    /** Row r's integer weight at column c, unscaled, by plain scalar code. */
    protected abstract int quant(int r, int c);

    /** Panel p's weights, scaled, as floats at {@code dst[off + c * 8 + lane]}. */
    protected abstract void unpackPanel(int p, float[] dst, int off);

    /**
     * Batch-of-one product of the four panels {@code p .. p+3}: {@code res[i*8 + lane]} = row
     * {@code (p+i)*8 + lane} times {@code x}. The chains are kept in {@code res} between blocks,
     * so that each block's scales can be loaded once outside its inner loop.
     */
    protected abstract void panelsTimesOne4(int p, float[] x, float[] res);

    /** As {@link #panelsTimesOne4} for the single panel p. */
    protected abstract void panelsTimesOne1(int p, float[] x, float[] res);

    @Override
    public final void decodeRows(int row, int n, float[] dst, int off) {
        for (int r = row; r < row + n; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + (r - row) * cols + c] = scalarWeight(r, c);
            }
        }
    }

    @Override
    protected final float scalarWeight(int r, int c) {
        return quant(r, c) * scales[scaleIndex(r, c / QK)];
    }

    @Override
    public final void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        float[] res = ThreadBuffers.floats(ThreadBuffers.RESULTS, Panels.RESULT_FLOATS);
        int p = r0 / PANEL, pEnd = (r1 + PANEL - 1) / PANEL;
        if (batch == 1) {
            for (; p + PANEL_GROUP <= pEnd; p += PANEL_GROUP) {
                panelsTimesOne4(p, x, res);
                for (int i = 0; i < PANEL_GROUP; i++) {
                    Panels.store(res, i * PANEL, p + i, out, 0, r0, r1, rows);
                }
            }
            for (; p < pEnd; p++) {
                panelsTimesOne1(p, x, res);
                Panels.store(res, 0, p, out, 0, r0, r1, rows);
            }
            return;
        }
        int stride = cols * PANEL;
        float[] w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * stride);
        for (; p + 2 <= pEnd; p += 2) {
            unpackPanel(p, w, 0);
            unpackPanel(p + 1, w, stride);
            Panels.pairTimesBatch(w, 0, stride, cols, x, batch, out, rows, p, r0, r1, res);
        }
        if (p < pEnd) {
            unpackPanel(p, w, 0);
            Panels.panelTimesBatch(w, 0, cols, x, batch, out, rows, p, r0, r1, res);
        }
    }
}
