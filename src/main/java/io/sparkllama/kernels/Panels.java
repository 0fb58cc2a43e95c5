package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import static io.sparkllama.kernels.Dot.F;

/**
 * The panel layout shared by {@link F32Matrix} and {@link BlockMatrix}, and the products of F32
 * panels with activation rows. Rows are stored in panels of 8, the 8 rows' values of one column
 * side by side, so one vector is one column of a panel and a vector lane is a row; the last panel
 * is padded with zero rows. A product broadcasts each activation to all lanes, so no horizontal
 * sums are needed.
 *
 * <p><b>Reduction order</b> (the numerics contract of F32 products): each output element is one
 * fma chain, {@code acc = 0}, then {@code acc = fma(w[c], x[c], acc)} for every column in order.
 * Every F32 kernel performs exactly this chain per element, whatever the batch, panel group or
 * row range. Block-quantized panels follow their own order ({@link BlockMatrix}, {@link BlockPanels}).
 *
 * <p>Batches run pairs of panels against groups of four activation rows: each weight load feeds
 * four FMAs, each broadcast two, and the eight independent chains keep both FMA units busy. The
 * kernels are one kernel written out for several panel and row counts (see the JIT rule on
 * {@link Dot}); results go to {@code res} and are then copied to the rows they belong to.
 */
final class Panels {
    /** Rows per panel: one per vector lane. */
    static final int ROWS = Dot.L;
    /** Panels the F32 and Q4_0 single-sequence kernels run at once. */
    static final int GROUP = 4;
    /** Floats of {@code res} the kernels here need. */
    static final int RESULT_FLOATS = 8 * ROWS;

    private Panels() {
    }

    /** Panels needed for {@code rows} rows. */
    static int count(int rows) {
        return (rows + ROWS - 1) / ROWS;
    }

    /**
     * Copies panel p's lanes at {@code res[ro ..]} to {@code out[base + row]} for its rows that lie
     * inside [r0, r1) and inside the matrix's {@code rows}.
     */
    static void store(float[] res, int ro, int p, float[] out, int base, int r0, int r1, int rows) {
        int lo = Math.max(r0, p * ROWS), hi = Math.min(Math.min(r1, rows), p * ROWS + ROWS);
        if (lo < hi) {
            System.arraycopy(res, ro + lo - p * ROWS, out, base + lo, hi - lo);
        }
    }

    /** Four panels at {@code w[w0 ..]}, {@code stride} floats apart, times activation row 0: {@code res[i*8 + lane]} for panel i. */
    static void panels4Times1(float[] w, int w0, int stride, int cols, float[] x, float[] res) {
        int w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < cols; c++) {
            FloatVector xv = FloatVector.broadcast(F, x[c]);
            int o = c * ROWS;
            a0 = FloatVector.fromArray(F, w, w0 + o).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + o).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + o).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + o).fma(xv, a3);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, ROWS);
        a2.intoArray(res, 2 * ROWS);
        a3.intoArray(res, 3 * ROWS);
    }

    /** The panel at {@code w[w0 ..]} times the activation row at {@code x[xo ..]}: {@code res[lane]}. */
    static void panelTimes1(float[] w, int w0, int cols, float[] x, int xo, float[] res) {
        FloatVector a0 = FloatVector.zero(F);
        for (int c = 0; c < cols; c++) {
            a0 = FloatVector.fromArray(F, w, w0 + c * ROWS).fma(FloatVector.broadcast(F, x[xo + c]), a0);
        }
        a0.intoArray(res, 0);
    }

    /** Panels at {@code w[w0 ..]} and {@code w[w1 ..]} times four activation rows from {@code x[xo ..]}: {@code res[(2*i + j)*8 + lane]} for row i, panel j. */
    static void panels2Times4(float[] w, int w0, int w1, int cols, float[] x, int xo, float[] res) {
        int x0 = xo, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int c = 0; c < cols; c++) {
            int o = c * ROWS;
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
        b0.intoArray(res, ROWS);
        a1.intoArray(res, 2 * ROWS);
        b1.intoArray(res, 3 * ROWS);
        a2.intoArray(res, 4 * ROWS);
        b2.intoArray(res, 5 * ROWS);
        a3.intoArray(res, 6 * ROWS);
        b3.intoArray(res, 7 * ROWS);
    }
}
