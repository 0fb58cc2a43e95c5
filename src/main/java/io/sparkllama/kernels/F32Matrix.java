package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

import java.util.Arrays;

/**
 * F32 weights, stored in {@link Panels}: a vector is one column of a panel, a lane is a row,
 * activations are broadcast and no horizontal sums are needed. Summation follows
 * {@link Panels}; products run directly on the stored weights.
 */
public final class F32Matrix extends PanelMatrix {
    /** Columns per chunk of a batched product: weights and activations of a chunk stay in L2. */
    private static final int CHUNK = 512;

    /** {@code w[panelIndex(r, c)]}; padding rows are 0. */
    private final float[] w;

    /** {@code rowMajor} as in the file: row after row. */
    public F32Matrix(String name, int rows, int cols, float[] rowMajor) {
        super(name, rows, cols, Panels.GROUP);
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + rowMajor.length + " values for " + rows + "x" + cols);
        }
        this.w = new float[panels * cols * PANEL];
        // a panel at a time, in column chunks whose panel lines stay in cache for all its rows
        for (int p = 0; p < panels; p++) {
            for (int c0 = 0; c0 < cols; c0 += 256) {
                int c1 = Math.min(cols, c0 + 256);
                for (int r = p * PANEL; r < Math.min(rows, (p + 1) * PANEL); r++) {
                    for (int c = c0, at = panelIndex(r, c0); c < c1; c++, at += PANEL) {
                        w[at] = rowMajor[r * cols + c];
                    }
                }
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
    protected void panelGroupTimesOne(int p, Activations a, float[] res) {
        Arrays.fill(res, 0, Panels.GROUP * PANEL, 0f);
        Panels.panels4Times1(w, p * cols * PANEL, cols * PANEL, cols, a.x, 0, res);
    }

    @Override
    protected void panelTimesOne(int p, Activations a, float[] res) {
        Arrays.fill(res, 0, PANEL, 0f);
        Panels.panelTimes1(w, p * cols * PANEL, cols, a.x, 0, res, 0);
    }

    @Override
    protected int chunkColumns() {
        return CHUNK;
    }

    /** The stored weights themselves: nothing to unpack. */
    @Override
    protected float[] floatChunk(int p, int n, int c0, int c1) {
        return w;
    }

    @Override
    protected int chunkIndex(int p, int i, int c0, int c1) {
        return ((p + i) * cols + c0) * PANEL;
    }

    @Override
    protected void pairTimesFour(float[] w, int w0, int w1, int p, int c0, int c1, Activations a, int b,
                                 float[] acc, int ao) {
        Panels.panels2Times4(w, w0, w1, c1 - c0, a.x, b * cols + c0, cols, acc, ao);
    }

    @Override
    protected void panelTimesRow(float[] w, int w0, int p, int c0, int c1, Activations a, int b, float[] acc, int ao) {
        Panels.panelTimes1(w, w0, c1 - c0, a.x, b * cols + c0, acc, ao);
    }
}
