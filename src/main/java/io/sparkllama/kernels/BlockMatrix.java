package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;

/**
 * Weights quantized in blocks of 32 columns with one float scale per block (Q8_0, Q4_0), stored
 * in {@link Panels} of 8 rows: one vector holds one column of a panel and a vector lane is a row.
 * A product then broadcasts each activation to all lanes and needs no horizontal sums: every lane
 * accumulates its own row.
 *
 * <p><b>Reduction order</b> (the numerics contract of block types): for each output element,
 * {@code acc = 0}; for each block in column order, {@code t = 0}, then {@code t = fma(q[c], x[c], t)}
 * for the block's 32 columns in order, then {@code acc = fma(t, d, acc)} with the block's scale
 * {@code d}; the result is {@code acc}. Integer weights convert to float exactly, and every kernel
 * below (any batch, any panel group, any row range) performs exactly this chain per element, so
 * results do not depend on batch size, slot or thread count.
 *
 * <p>A batch of one runs the subclass's kernel, which unpacks weights on the fly, four panels at
 * a time. Larger batches unpack one panel into a float scratch and run it against groups of up to
 * six activation rows; a group shares each weight load among its sequences, and its independent
 * chains keep the FMA units busy. Rows past the matrix's end pad the last panel with zero weights
 * and scales and are never written out.
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

    /** Panel p's integer weights, unscaled, as floats at {@code dst[c * 8 + lane]}. */
    protected abstract void unpackPanel(int p, float[] dst);

    /**
     * Batch-of-one product: {@code res[i*8 + lane]} = row {@code (p+i)*8 + lane} times {@code x},
     * for the four panels {@code p .. p+3}.
     */
    protected abstract void panelsTimesOne4(int p, float[] x, float[] res);

    /** As {@link #panelsTimesOne4} for the single panel p. */
    protected abstract void panelsTimesOne1(int p, float[] x, float[] res);

    @Override
    public final void decodeRows(int row, int n, float[] dst, int off) {
        for (int r = row; r < row + n; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + (r - row) * cols + c] = quant(r, c) * scales[scaleIndex(r, c / QK)];
            }
        }
    }

    @Override
    protected final float scalarWeight(int r, int c) {
        return quant(r, c) * scales[scaleIndex(r, c / QK)];
    }

    @Override
    public final void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        float[] res = ThreadBuffers.floats(ThreadBuffers.RESULTS, 6 * PANEL);
        int pEnd = (r1 + PANEL - 1) / PANEL;
        if (batch == 1) {
            int p = r0 / PANEL;
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
        float[] w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, PANEL * cols);
        for (int p = r0 / PANEL; p < pEnd; p++) {
            unpackPanel(p, w);
            int s = p * blocksPerRow * PANEL;
            for (int b = 0; b < batch; ) {
                int n = groupSize(batch - b);
                switch (n) {
                    case 6: panelTimes6(w, s, x, b * cols, res); break;
                    case 4: panelTimes4(w, s, x, b * cols, res); break;
                    case 2: panelTimes2(w, s, x, b * cols, res); break;
                    default: panelTimes1(w, s, x, b * cols, res); break;
                }
                for (int i = 0; i < n; i++) {
                    Panels.store(res, i * PANEL, p, out, (b + i) * rows, r0, r1, rows);
                }
                b += n;
            }
        }
    }

    /**
     * Sequences in the next group when {@code left} remain: sixes while that leaves at least four
     * (six chains and one weight load per six FMAs fill AVX2's 16 registers), then fours, twos, one.
     */
    static int groupSize(int left) {
        if (left >= 10 || left == 6) {
            return 6;
        }
        if (left >= 4) {
            return 4;
        }
        return left >= 2 ? 2 : 1;
    }

    // The group kernels below are one kernel written out for 6, 4, 2 and 1 activation rows (see
    // the JIT rule on Dot). w is an unpacked panel ([c][lane]), s the panel's first scale,
    // xo the group's first activation row; results go to res[i*8 + lane] for sequence i.

    private void panelTimes6(float[] w, int s, float[] x, int xo, float[] res) {
        int x0 = xo, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols, x4 = x3 + cols, x5 = x4 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0, t4 = t0, t5 = t0;
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                FloatVector v = FloatVector.fromArray(F, w, c * PANEL);
                t0 = v.fma(FloatVector.broadcast(F, x[x0 + c]), t0);
                t1 = v.fma(FloatVector.broadcast(F, x[x1 + c]), t1);
                t2 = v.fma(FloatVector.broadcast(F, x[x2 + c]), t2);
                t3 = v.fma(FloatVector.broadcast(F, x[x3 + c]), t3);
                t4 = v.fma(FloatVector.broadcast(F, x[x4 + c]), t4);
                t5 = v.fma(FloatVector.broadcast(F, x[x5 + c]), t5);
            }
            FloatVector d = FloatVector.fromArray(F, scales, s + blk * PANEL);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
            a2 = t2.fma(d, a2);
            a3 = t3.fma(d, a3);
            a4 = t4.fma(d, a4);
            a5 = t5.fma(d, a5);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
        a3.intoArray(res, 3 * PANEL);
        a4.intoArray(res, 4 * PANEL);
        a5.intoArray(res, 5 * PANEL);
    }

    private void panelTimes4(float[] w, int s, float[] x, int xo, float[] res) {
        int x0 = xo, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                FloatVector v = FloatVector.fromArray(F, w, c * PANEL);
                t0 = v.fma(FloatVector.broadcast(F, x[x0 + c]), t0);
                t1 = v.fma(FloatVector.broadcast(F, x[x1 + c]), t1);
                t2 = v.fma(FloatVector.broadcast(F, x[x2 + c]), t2);
                t3 = v.fma(FloatVector.broadcast(F, x[x3 + c]), t3);
            }
            FloatVector d = FloatVector.fromArray(F, scales, s + blk * PANEL);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
            a2 = t2.fma(d, a2);
            a3 = t3.fma(d, a3);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
        a3.intoArray(res, 3 * PANEL);
    }

    private void panelTimes2(float[] w, int s, float[] x, int xo, float[] res) {
        int x0 = xo, x1 = x0 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0;
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                FloatVector v = FloatVector.fromArray(F, w, c * PANEL);
                t0 = v.fma(FloatVector.broadcast(F, x[x0 + c]), t0);
                t1 = v.fma(FloatVector.broadcast(F, x[x1 + c]), t1);
            }
            FloatVector d = FloatVector.fromArray(F, scales, s + blk * PANEL);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
    }

    private void panelTimes1(float[] w, int s, float[] x, int xo, float[] res) {
        FloatVector a0 = FloatVector.zero(F);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F);
            for (int c = blk * QK, end = c + QK; c < end; c++) {
                t0 = FloatVector.fromArray(F, w, c * PANEL).fma(FloatVector.broadcast(F, x[xo + c]), t0);
            }
            a0 = t0.fma(FloatVector.fromArray(F, scales, s + blk * PANEL), a0);
        }
        a0.intoArray(res, 0);
    }
}
