package io.sparkllama.kernels;

/**
 * A weight matrix stored in {@link Panels} of 8 rows (F32, Q8_0, Q4_0), and the product they
 * share: a single sequence runs the type's own kernel on a group of panels at a time (one fma
 * chain per panel, enough chains to hide the FMA latency); a batch runs the type's float panel
 * products ({@link #pairTimesFour}, {@link #panelTimesRow}) two panels at a time, on the type's
 * panels as floats.
 */
abstract class PanelMatrix extends WeightMatrix {
    static final int PANEL = Panels.ROWS;

    protected final int panels;
    /** Panels the single-sequence kernel {@link #panelGroupTimesOne} runs at once. */
    private final int group;

    protected PanelMatrix(String name, int rows, int cols, int group) {
        super(name, rows, cols);
        this.panels = Panels.count(rows);
        this.group = group;
    }

    /** Index of weight (r, c) in panel storage of one value per weight. */
    protected final int panelIndex(int r, int c) {
        return ((r / PANEL) * cols + c) * PANEL + r % PANEL;
    }

    /** Whole single-sequence groups and whole batch pairs. */
    @Override
    final int rowAlignment() {
        return (group % 2 == 0 ? group : 2 * group) * PANEL;
    }

    /**
     * Batch-of-one product of the group of panels {@code p .. p+group-1}: {@code res[i*8 + lane]}
     * = row {@code (p+i)*8 + lane} times {@code x}.
     */
    protected abstract void panelGroupTimesOne(int p, float[] x, float[] res);

    /** As {@link #panelGroupTimesOne} for the single panel p. */
    protected abstract void panelTimesOne(int p, float[] x, float[] res);

    /**
     * Panels {@code p .. p+n-1} (n is 1 or 2) as floats: panel p+i starts at
     * {@code floatPanelStart(p) + i * cols * 8} of the returned array, laid out {@code [c][lane]}.
     */
    protected abstract float[] floatPanels(int p, int n);

    /** Where panel p starts in the array {@link #floatPanels} returns for it. */
    protected abstract int floatPanelStart(int p);

    /**
     * Panels p (floats at {@code w[w0 ..]}, as {@link #floatPanels} gives them) and p+1 (at
     * {@code w[w1 ..]}) times the four activation rows from {@code x[xo ..]}:
     * {@code res[(2*i + j)*8 + lane]} for row i, panel p+j.
     */
    protected abstract void pairTimesFour(float[] w, int w0, int w1, int p, float[] x, int xo, float[] res);

    /** Panel p (floats at {@code w[w0 ..]}) times the activation row at {@code x[xo ..]}: {@code res[lane]}. */
    protected abstract void panelTimesRow(float[] w, int w0, int p, float[] x, int xo, float[] res);

    @Override
    public final void decodeRows(int row, int n, float[] dst, int off) {
        for (int r = row; r < row + n; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + (r - row) * cols + c] = scalarWeight(r, c);
            }
        }
    }

    @Override
    public final void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        multiply(x, null, batch, out, r0, r1);
    }

    @Override
    final boolean readsInterleaved(int batch) {
        return batch >= Interleave.ROWS && hasEightKernel();
    }

    @Override
    final void multiply(float[] x, float[] interleaved, int batch, float[] out, int r0, int r1) {
        float[] res = ThreadBuffers.floats(ThreadBuffers.RESULTS, Panels.RESULT_FLOATS);
        int p = r0 / PANEL, pEnd = (r1 + PANEL - 1) / PANEL;
        if (batch == 1) {
            for (; p + group <= pEnd; p += group) {
                panelGroupTimesOne(p, x, res);
                for (int i = 0; i < group; i++) {
                    Panels.store(res, i * PANEL, p + i, out, 0, r0, r1, rows);
                }
            }
            for (; p < pEnd; p++) {
                panelTimesOne(p, x, res);
                Panels.store(res, 0, p, out, 0, r0, r1, rows);
            }
            return;
        }
        if (readsInterleaved(batch)) {
            float[] xi = interleaved != null ? interleaved
                    : Interleave.firstRows(x, cols, ThreadBuffers.floats(ThreadBuffers.INTERLEAVED, Interleave.ROWS * cols));
            multiplyFromEight(x, xi, batch, out, p, pEnd, r0, r1, res);
            return;
        }
        for (; p + 2 <= pEnd; p += 2) {
            float[] w = floatPanels(p, 2);
            int start = floatPanelStart(p);
            pairTimesBatch(w, start, start + cols * PANEL, x, 0, batch, out, p, r0, r1, res);
        }
        if (p < pEnd) {
            panelTimesBatch(floatPanels(p, 1), floatPanelStart(p), x, 0, batch, out, p, r0, r1, res);
        }
    }

    /**
     * Batches of eight or more with an eight-row kernel: each panel runs against the first eight
     * rows with its weights made in registers; when more rows follow, the kernel also leaves the
     * weights as floats, and the rest of the batch runs on them two panels at a time, as above.
     */
    private void multiplyFromEight(float[] x, float[] xi, int batch, float[] out, int p, int pEnd, int r0, int r1,
                                   float[] res) {
        int eight = Interleave.ROWS;
        boolean more = batch > eight;
        for (; p < pEnd; p += 2) {
            int n = Math.min(2, pEnd - p);
            float[] w = more ? ThreadBuffers.floats(ThreadBuffers.WEIGHTS, n * cols * PANEL) : null;
            for (int i = 0; i < n; i++) {
                panelTimesEight(p + i, xi, res, w, i * cols * PANEL);
                for (int b = 0; b < eight; b++) {
                    Panels.store(res, b * PANEL, p + i, out, b * rows, r0, r1, rows);
                }
            }
            if (!more) {
                continue;
            }
            if (n == 2) {
                pairTimesBatch(w, 0, cols * PANEL, x, eight, batch, out, p, r0, r1, res);
            } else {
                panelTimesBatch(w, 0, x, eight, batch, out, p, r0, r1, res);
            }
        }
    }

    /**
     * Panels p (floats at {@code w[w0 ..]}) and p+1 (at {@code w[w1 ..]}) times activation rows
     * {@code from .. batch-1}, four at a time; writes their rows inside [r0, r1) of each output row.
     */
    private void pairTimesBatch(float[] w, int w0, int w1, float[] x, int from, int batch,
                                float[] out, int p, int r0, int r1, float[] res) {
        int b = from;
        for (; b + 4 <= batch; b += 4) {
            pairTimesFour(w, w0, w1, p, x, b * cols, res);
            for (int i = 0; i < 4; i++) {
                Panels.store(res, i * 2 * PANEL, p, out, (b + i) * rows, r0, r1, rows);
                Panels.store(res, i * 2 * PANEL + PANEL, p + 1, out, (b + i) * rows, r0, r1, rows);
            }
        }
        for (; b < batch; b++) {
            panelTimesRow(w, w0, p, x, b * cols, res);
            Panels.store(res, 0, p, out, b * rows, r0, r1, rows);
            panelTimesRow(w, w1, p + 1, x, b * cols, res);
            Panels.store(res, 0, p + 1, out, b * rows, r0, r1, rows);
        }
    }

    /** As {@link #pairTimesBatch} for the single panel p at {@code w[w0 ..]}. */
    private void panelTimesBatch(float[] w, int w0, float[] x, int from, int batch,
                                 float[] out, int p, int r0, int r1, float[] res) {
        for (int b = from; b < batch; b++) {
            panelTimesRow(w, w0, p, x, b * cols, res);
            Panels.store(res, 0, p, out, b * rows, r0, r1, rows);
        }
    }

    /** Whether {@link #panelTimesEight} is implemented. */
    protected boolean hasEightKernel() {
        return false;
    }

    /**
     * Panel p times the eight interleaved activation rows {@code xi}: {@code res[s*8 + lane]} for
     * row s. Unless {@code w} is null, panel p's weights as floats also go to
     * {@code w[off + c*8 + lane]}, as {@link #floatPanels} lays them out.
     */
    protected void panelTimesEight(int p, float[] xi, float[] res, float[] w, int off) {
        throw new UnsupportedOperationException(name + ": no eight-row kernel");
    }
}
