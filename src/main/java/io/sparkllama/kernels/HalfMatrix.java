package io.sparkllama.kernels;

import java.util.Arrays;

/**
 * Weights stored as 16-bit floats (F16 or BF16) in {@link Panels}, one {@code short} each,
 * widened to float exactly by the subclass's {@link #unpack}. Summation follows {@link Panels}
 * (one fma chain per element over the columns in order); every product unpacks a chunk of
 * columns into a per-thread scratch and runs the F32 kernels on it.
 */
abstract class HalfMatrix extends PanelMatrix {
    /** Columns per unpacked chunk: four panels' chunk stays in L1. */
    private static final int CHUNK = 128;

    /** {@code h[panelIndex(r, c)]}; padding rows are 0. */
    protected final short[] h;

    protected HalfMatrix(String name, int rows, int cols, short[] rowMajor) {
        super(name, rows, cols, Panels.GROUP);
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + rowMajor.length + " values for " + rows + "x" + cols);
        }
        this.h = new short[panels * cols * PANEL];
        // a panel at a time, in column chunks whose panel lines stay in cache for all its rows
        for (int p = 0; p < panels; p++) {
            for (int c0 = 0; c0 < cols; c0 += 256) {
                int c1 = Math.min(cols, c0 + 256);
                for (int r = p * PANEL; r < Math.min(rows, (p + 1) * PANEL); r++) {
                    for (int c = c0, at = panelIndex(r, c0); c < c1; c++, at += PANEL) {
                        h[at] = rowMajor[r * cols + c];
                    }
                }
            }
        }
    }

    /** One stored value as a float, by plain scalar code. */
    protected abstract float toFloat(short bits);

    /** Panel p's columns {@code [c0, c1)} as floats at {@code dst[off + (c - c0)*P + lane]}. */
    protected abstract void unpack(int p, int c0, int c1, float[] dst, int off);

    @Override
    public final long bytes() {
        return 2L * h.length;
    }

    @Override
    protected final float scalarWeight(int r, int c) {
        return toFloat(h[panelIndex(r, c)]);
    }

    @Override
    protected final void panelGroupTimesOne(int p, Activations a, float[] res) {
        Arrays.fill(res, 0, Panels.GROUP * PANEL, 0f);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int c1 = Math.min(cols, c0 + CHUNK), n = c1 - c0;
            float[] w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, Panels.GROUP * CHUNK * PANEL);
            for (int i = 0; i < Panels.GROUP; i++) {
                unpack(p + i, c0, c1, w, i * n * PANEL);
            }
            Panels.panels4Times1(w, 0, n * PANEL, n, a.x, c0, res);
        }
    }

    @Override
    protected final void panelTimesOne(int p, Activations a, float[] res) {
        Arrays.fill(res, 0, PANEL, 0f);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int c1 = Math.min(cols, c0 + CHUNK);
            float[] w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, CHUNK * PANEL);
            unpack(p, c0, c1, w, 0);
            Panels.panelTimes1(w, 0, c1 - c0, a.x, c0, res, 0);
        }
    }

    @Override
    protected final int chunkColumns() {
        return CHUNK;
    }

    @Override
    protected final float[] floatChunk(int p, int n, int c0, int c1) {
        float[] w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * CHUNK * PANEL);
        for (int i = 0; i < n; i++) {
            unpack(p + i, c0, c1, w, i * (c1 - c0) * PANEL);
        }
        return w;
    }

    @Override
    protected final int chunkIndex(int p, int i, int c0, int c1) {
        return i * (c1 - c0) * PANEL;
    }

    @Override
    protected final void pairTimesFour(float[] w, int w0, int w1, int p, int c0, int c1, Activations a, int b,
                                       float[] acc, int ao) {
        Panels.panels2Times4(w, w0, w1, c1 - c0, a.x, b * cols + c0, cols, acc, ao);
    }

    @Override
    protected final void panelTimesRow(float[] w, int w0, int p, int c0, int c1, Activations a, int b,
                                       float[] acc, int ao) {
        Panels.panelTimes1(w, w0, c1 - c0, a.x, b * cols + c0, acc, ao);
    }
}
