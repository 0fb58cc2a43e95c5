package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
/**
 * F32 weights, stored in {@link Panels}: a vector is one column of 8 rows, a lane is a row,
 * activations are broadcast and no horizontal sums are needed.
 *
 * <p>Summation follows {@link Panels}. A single sequence runs four panels at once (four
 * independent chains; it is memory-bound); a batch runs the panels in pairs, directly on the
 * stored weights.
 */
public final class F32Matrix extends WeightMatrix {
    private static final int PANEL = Panels.ROWS;
    private static final int PANEL_GROUP = Panels.GROUP;

    /** {@code w[(panel * cols + c) * 8 + lane]}; padding rows are 0. */
    private final float[] w;
    private final int panels;

    /** {@code rowMajor} as in the file: row after row. */
    public F32Matrix(String name, int rows, int cols, float[] rowMajor) {
        super(name, rows, cols);
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + rowMajor.length + " values for " + rows + "x" + cols);
        }
        this.panels = Panels.count(rows);
        this.w = new float[panels * cols * PANEL];
        for (int r = 0; r < rows; r++) {
            int base = (r / PANEL) * cols * PANEL + r % PANEL;
            for (int c = 0; c < cols; c++) {
                w[base + c * PANEL] = rowMajor[r * cols + c];
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public long bytes() {
        return 4L * w.length;
    }

    @Override
    int rowAlignment() {
        return PANEL_GROUP * PANEL;
    }

    @Override
    public void decodeRows(int row, int n, float[] dst, int off) {
        for (int r = row; r < row + n; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + (r - row) * cols + c] = scalarWeight(r, c);
            }
        }
    }

    @Override
    protected float scalarWeight(int r, int c) {
        return w[((r / PANEL) * cols + c) * PANEL + r % PANEL];
    }

    @Override
    public void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        float[] res = ThreadBuffers.floats(ThreadBuffers.RESULTS, Panels.RESULT_FLOATS);
        int p = r0 / PANEL, pEnd = (r1 + PANEL - 1) / PANEL, stride = cols * PANEL;
        if (batch == 1) {
            for (; p + PANEL_GROUP <= pEnd; p += PANEL_GROUP) {
                Panels.panels4Times1(w, p * stride, stride, cols, x, res);
                for (int i = 0; i < PANEL_GROUP; i++) {
                    Panels.store(res, i * PANEL, p + i, out, 0, r0, r1, rows);
                }
            }
            for (; p < pEnd; p++) {
                Panels.panelTimes1(w, p * stride, cols, x, 0, res);
                Panels.store(res, 0, p, out, 0, r0, r1, rows);
            }
            return;
        }
        for (; p + 2 <= pEnd; p += 2) {
            Panels.pairTimesBatch(w, p * stride, (p + 1) * stride, cols, x, batch, out, rows, p, r0, r1, res);
        }
        if (p < pEnd) {
            Panels.panelTimesBatch(w, p * stride, cols, x, batch, out, rows, p, r0, r1, res);
        }
    }
}
