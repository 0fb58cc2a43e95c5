package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

import static io.sparkllama.kernels.Dot.F;

/**
 * Products of block-quantized panels with activation rows in the block order of
 * {@link BlockMatrix}: the panels are given as their integers converted to float (unscaled, laid
 * out as {@link Panels} lays out F32) with the scales beside them ({@code [block][lane]} from a
 * panel's scale offset). Each output element is one chain per block of 32 columns, folded into
 * its total with one fma by the block's scale.
 *
 * <p>The pair kernel keeps its 8 block chains in registers and its 8 totals in {@code res},
 * updated once per block: 8 totals more in registers would not fit in the 16 of AVX2 with the
 * weights and broadcasts. Block loops, here and in the matrix classes, count a constant number
 * of steps ({@code k < 32}): C2 compiles that markedly better than a loop between computed bounds
 * (this pair kernel 47 -> 63 GFLOP/s on one core). As in {@link Panels}, one kernel is written
 * out for each shape.
 */
final class BlockPanels {
    private static final int ROWS = Panels.ROWS;
    private static final int QK = BlockMatrix.QK;

    private BlockPanels() {
    }

    /**
     * Panels at {@code w[w0 ..]} (scales at {@code scales[s0 ..]}) and {@code w[w1 ..]} (scales at
     * {@code s1}) times four activation rows from {@code x[xo ..]}: {@code res[(2*i + j)*8 + lane]}
     * for row i, panel j.
     */
    static void panels2Times4(float[] w, int w0, int w1, float[] scales, int s0, int s1, int cols,
                              float[] x, int xo, float[] res) {
        int x0 = xo, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        Arrays.fill(res, 0, 8 * ROWS, 0f);
        for (int blk = 0, c0 = 0; c0 < cols; blk++, c0 += QK) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int k = 0; k < QK; k++) {
                int c = c0 + k, o = c * ROWS;
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
            FloatVector d = FloatVector.fromArray(F, scales, s0 + blk * ROWS);
            FloatVector e = FloatVector.fromArray(F, scales, s1 + blk * ROWS);
            a0.fma(d, FloatVector.fromArray(F, res, 0)).intoArray(res, 0);
            b0.fma(e, FloatVector.fromArray(F, res, ROWS)).intoArray(res, ROWS);
            a1.fma(d, FloatVector.fromArray(F, res, 2 * ROWS)).intoArray(res, 2 * ROWS);
            b1.fma(e, FloatVector.fromArray(F, res, 3 * ROWS)).intoArray(res, 3 * ROWS);
            a2.fma(d, FloatVector.fromArray(F, res, 4 * ROWS)).intoArray(res, 4 * ROWS);
            b2.fma(e, FloatVector.fromArray(F, res, 5 * ROWS)).intoArray(res, 5 * ROWS);
            a3.fma(d, FloatVector.fromArray(F, res, 6 * ROWS)).intoArray(res, 6 * ROWS);
            b3.fma(e, FloatVector.fromArray(F, res, 7 * ROWS)).intoArray(res, 7 * ROWS);
        }
    }

    /** The panel at {@code w[w0 ..]} (scales at {@code scales[s0 ..]}) times the activation row at {@code x[xo ..]}: {@code res[lane]}. */
    static void panelTimes1(float[] w, int w0, float[] scales, int s0, int cols, float[] x, int xo, float[] res) {
        FloatVector acc = FloatVector.zero(F);
        for (int blk = 0, c0 = 0; c0 < cols; blk++, c0 += QK) {
            FloatVector t = FloatVector.zero(F);
            for (int k = 0; k < QK; k++) {
                t = FloatVector.fromArray(F, w, w0 + (c0 + k) * ROWS).fma(FloatVector.broadcast(F, x[xo + c0 + k]), t);
            }
            acc = t.fma(FloatVector.fromArray(F, scales, s0 + blk * ROWS), acc);
        }
        acc.intoArray(res, 0);
    }
}
