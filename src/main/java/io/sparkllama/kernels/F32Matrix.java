package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

/**
 * F32 weights, stored in {@link Panels}: a vector is one column of 8 rows, a lane is a row,
 * activations are broadcast and no horizontal sums are needed.
 *
 * <p>Summation follows {@link Panels}; products run directly on the stored weights.
 */
public final class F32Matrix extends PanelMatrix {
    /** {@code w[panelIndex(r, c)]}; padding rows are 0. */
    private final float[] w;

    /** {@code rowMajor} as in the file: row after row. */
    public F32Matrix(String name, int rows, int cols, float[] rowMajor) {
        super(name, rows, cols, Panels.GROUP);
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + rowMajor.length + " values for " + rows + "x" + cols);
        }
        this.w = new float[panels * cols * PANEL];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[panelIndex(r, c)] = rowMajor[r * cols + c];
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
    protected float scalarWeight(int r, int c) {
        return w[panelIndex(r, c)];
    }

    @Override
    protected void panelGroupTimesOne(int p, float[] x, float[] res) {
        Panels.panels4Times1(w, p * cols * PANEL, cols * PANEL, cols, x, res);
    }

    @Override
    protected void panelTimesOne(int p, float[] x, float[] res) {
        Panels.panelTimes1(w, p * cols * PANEL, cols, x, 0, res);
    }

    /** The stored weights themselves: nothing to unpack. */
    @Override
    protected float[] floatPanels(int p, int n) {
        return w;
    }

    @Override
    protected int floatPanelStart(int p) {
        return p * cols * PANEL;
    }

    @Override
    protected void pairTimesFour(float[] w, int w0, int w1, int p, float[] x, int xo, float[] res) {
        Panels.panels2Times4(w, w0, w1, cols, x, xo, res);
    }

    @Override
    protected void panelTimesRow(float[] w, int w0, int p, float[] x, int xo, float[] res) {
        Panels.panelTimes1(w, w0, cols, x, xo, res);
    }
}
