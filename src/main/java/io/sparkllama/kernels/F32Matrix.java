package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;

/**
 * F32 weights, stored in {@link Panels}: a vector is one column of 8 rows, a lane is a row,
 * activations are broadcast and no horizontal sums are needed.
 *
 * <p><b>Reduction order</b> (the numerics contract of F32): each output element is one fma chain,
 * {@code acc = 0}, then {@code acc = fma(w[c], x[c], acc)} for every column in order. Every kernel
 * below performs exactly this chain per element, whatever the batch, panel group or row range.
 *
 * <p>A single sequence runs four panels at once (four independent chains; it is memory-bound).
 * A batch runs pairs of panels against groups of four sequences: each weight load feeds four
 * FMAs, each broadcast two, and the eight chains keep both FMA units busy.
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
        float[] res = ThreadBuffers.floats(ThreadBuffers.RESULTS, 8 * PANEL);
        int p = r0 / PANEL, pEnd = (r1 + PANEL - 1) / PANEL;
        if (batch == 1) {
            for (; p + PANEL_GROUP <= pEnd; p += PANEL_GROUP) {
                panels4Times1(p, x, 0, res);
                for (int i = 0; i < PANEL_GROUP; i++) {
                    Panels.store(res, i * PANEL, p + i, out, 0, r0, r1, rows);
                }
            }
            for (; p < pEnd; p++) {
                panelTimes1(p, x, 0, res);
                Panels.store(res, 0, p, out, 0, r0, r1, rows);
            }
            return;
        }
        for (; p + 2 <= pEnd; p += 2) {
            int b = 0;
            for (; b + 4 <= batch; b += 4) {
                panels2Times4(p, x, b * cols, res);
                for (int i = 0; i < 4; i++) {
                    Panels.store(res, i * 2 * PANEL, p, out, (b + i) * rows, r0, r1, rows);
                    Panels.store(res, i * 2 * PANEL + PANEL, p + 1, out, (b + i) * rows, r0, r1, rows);
                }
            }
            for (; b < batch; b++) {
                panelTimes1(p, x, b * cols, res);
                Panels.store(res, 0, p, out, b * rows, r0, r1, rows);
                panelTimes1(p + 1, x, b * cols, res);
                Panels.store(res, 0, p + 1, out, b * rows, r0, r1, rows);
            }
        }
        if (p < pEnd) {
            for (int b = 0; b < batch; b++) {
                panelTimes1(p, x, b * cols, res);
                Panels.store(res, 0, p, out, b * rows, r0, r1, rows);
            }
        }
    }

    // One kernel written out for several panel and sequence counts (see the JIT rule on Dot).
    // xo is the first activation row; results go to res[...] as each method says.

    /** Panels p..p+3 times one activation row: {@code res[i*8 + lane]} for panel p+i. */
    private void panels4Times1(int p, float[] x, int xo, float[] res) {
        int w0 = p * cols * PANEL, w1 = w0 + cols * PANEL, w2 = w1 + cols * PANEL, w3 = w2 + cols * PANEL;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < cols; c++) {
            FloatVector xv = FloatVector.broadcast(F, x[xo + c]);
            int o = c * PANEL;
            a0 = FloatVector.fromArray(F, w, w0 + o).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + o).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + o).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + o).fma(xv, a3);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
        a3.intoArray(res, 3 * PANEL);
    }

    /** Panel p times one activation row: {@code res[lane]}. */
    private void panelTimes1(int p, float[] x, int xo, float[] res) {
        int w0 = p * cols * PANEL;
        FloatVector a0 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            a0 = FloatVector.fromArray(F, w, w0 + c * PANEL).fma(FloatVector.broadcast(F, x[xo + c]), a0);
        }
        a0.intoArray(res, 0);
    }

    /** Panels p, p+1 times four activation rows: {@code res[(2*i + j)*8 + lane]} for row i, panel p+j. */
    private void panels2Times4(int p, float[] x, int xo, float[] res) {
        int w0 = p * cols * PANEL, w1 = w0 + cols * PANEL;
        int x0 = xo, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int c = 0; c < cols; c++) {
            int o = c * PANEL;
            FloatVector v = FloatVector.fromArray(F, w, w0 + o), u = FloatVector.fromArray(F, w, w1 + o);
            FloatVector xv = FloatVector.broadcast(F, x[x0 + c]);
            a0 = v.fma(xv, a0);
            b0 = u.fma(xv, b0);
            xv = FloatVector.broadcast(F, x[x1 + c]);
            a1 = v.fma(xv, a1);
            b1 = u.fma(xv, b1);
            xv = FloatVector.broadcast(F, x[x2 + c]);
            a2 = v.fma(xv, a2);
            b2 = u.fma(xv, b2);
            xv = FloatVector.broadcast(F, x[x3 + c]);
            a3 = v.fma(xv, a3);
            b3 = u.fma(xv, b3);
        }
        a0.intoArray(res, 0);
        b0.intoArray(res, PANEL);
        a1.intoArray(res, 2 * PANEL);
        b1.intoArray(res, 3 * PANEL);
        a2.intoArray(res, 4 * PANEL);
        b2.intoArray(res, 5 * PANEL);
        a3.intoArray(res, 6 * PANEL);
        b3.intoArray(res, 7 * PANEL);
    }
}
