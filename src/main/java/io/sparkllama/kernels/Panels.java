package io.sparkllama.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The panel layout of weight matrices and the vector shape of their kernels. Rows are stored in
 * panels of {@link #ROWS}, one row per vector lane, the panel's values of one column side by
 * side, so one vector is one column of a panel and a product broadcasts each activation to all
 * lanes: no horizontal sums. The last panel is padded with zero rows.
 *
 * <p>The vector shape is 512 bits where the CPU has it (AVX-512: {@code FloatVector.SPECIES_PREFERRED}
 * is 512 bits) and 256 bits otherwise; {@code -Dsparkllama.vector.bits=256} or {@code 512} overrides
 * the choice. A panel has one row per lane whatever the width, and every output element is
 * reduced within its own lane in an order that names no lane count, so results are bit-identical
 * across widths and machines. Reductions whose order does depend on a lane count (RMSNorm's sum
 * of squares, softmax's sum) keep the fixed 8-lane shape of {@link Dot}.
 *
 * <p><b>Reduction order of float panels</b> (F32, F16, BF16): each output element is one fma
 * chain, {@code acc = 0}, then {@code acc = fma(w[c], x[c], acc)} for every column in order.
 * Quantized panels follow {@link QuantMatrix}'s order.
 *
 * <p>The F32 kernels here take their accumulators from {@code res} and leave them there, so a
 * product may run over columns in chunks (kept in cache) without changing any element's chain.
 * The kernels are one kernel written out for several panel and row counts (see the JIT rule on
 * {@link Dot}).
 */
final class Panels {
    /** Bits of the kernels' vectors. */
    static final int BITS = chooseBits();
    /** Floats of one panel column: one vector. */
    static final VectorSpecies<Float> F = BITS == 512 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_256;
    /** Rows per panel: one per vector lane. */
    static final int ROWS = F.length();
    /** One int per panel row. */
    static final VectorSpecies<Integer> I = BITS == 512 ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** One short per panel row. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(ROWS * 16));
    /** One byte per panel row. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(ROWS * 8));
    /** Panels the F32 single-sequence kernel runs at once. */
    static final int GROUP = 4;
    /** Floats of {@code res} the kernels of any panel matrix need. */
    static final int RESULT_FLOATS = 8 * ROWS;

    private Panels() {
    }

    private static int chooseBits() {
        String forced = System.getProperty("sparkllama.vector.bits");
        if (forced != null) {
            if (!forced.equals("256") && !forced.equals("512")) {
                throw new IllegalArgumentException("sparkllama.vector.bits must be 256 or 512, not " + forced);
            }
            return Integer.parseInt(forced);
        }
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 512 : 256;
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

    /**
     * Four panels at {@code w[w0 ..]}, {@code stride} floats apart, times columns {@code [0, n)} of
     * the activation row at {@code x[xo ..]}, continuing the chains in {@code acc[i*P ..]} for panel i.
     */
    static void panels4Times1(float[] w, int w0, int stride, int n, float[] x, int xo, float[] acc) {
        int w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
        FloatVector a0 = FloatVector.fromArray(F, acc, 0), a1 = FloatVector.fromArray(F, acc, ROWS);
        FloatVector a2 = FloatVector.fromArray(F, acc, 2 * ROWS), a3 = FloatVector.fromArray(F, acc, 3 * ROWS);
        for (int c = 0; c < n; c++) {
            FloatVector xv = FloatVector.broadcast(F, x[xo + c]);
            int o = c * ROWS;
            a0 = FloatVector.fromArray(F, w, w0 + o).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, w1 + o).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, w2 + o).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, w3 + o).fma(xv, a3);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, ROWS);
        a2.intoArray(acc, 2 * ROWS);
        a3.intoArray(acc, 3 * ROWS);
    }

    /**
     * The panel at {@code w[w0 ..]} times columns {@code [0, n)} of the activation row at
     * {@code x[xo ..]}, continuing the chain in {@code acc[ao ..]}.
     */
    static void panelTimes1(float[] w, int w0, int n, float[] x, int xo, float[] acc, int ao) {
        FloatVector a0 = FloatVector.fromArray(F, acc, ao);
        for (int c = 0; c < n; c++) {
            a0 = FloatVector.fromArray(F, w, w0 + c * ROWS).fma(FloatVector.broadcast(F, x[xo + c]), a0);
        }
        a0.intoArray(acc, ao);
    }

    /**
     * Panels at {@code w[w0 ..]} and {@code w[w1 ..]} times columns {@code [0, n)} of four activation
     * rows, {@code xStride} apart from {@code x[xo ..]}, continuing the chains in {@code acc[ao ..]}:
     * row i, panel j at {@code acc[ao + (2*i + j)*P]}.
     */
    static void panels2Times4(float[] w, int w0, int w1, int n, float[] x, int xo, int xStride, float[] acc, int ao) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        FloatVector a0 = FloatVector.fromArray(F, acc, ao), b0 = FloatVector.fromArray(F, acc, ao + ROWS);
        FloatVector a1 = FloatVector.fromArray(F, acc, ao + 2 * ROWS), b1 = FloatVector.fromArray(F, acc, ao + 3 * ROWS);
        FloatVector a2 = FloatVector.fromArray(F, acc, ao + 4 * ROWS), b2 = FloatVector.fromArray(F, acc, ao + 5 * ROWS);
        FloatVector a3 = FloatVector.fromArray(F, acc, ao + 6 * ROWS), b3 = FloatVector.fromArray(F, acc, ao + 7 * ROWS);
        for (int c = 0; c < n; c++) {
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
        a0.intoArray(acc, ao);
        b0.intoArray(acc, ao + ROWS);
        a1.intoArray(acc, ao + 2 * ROWS);
        b1.intoArray(acc, ao + 3 * ROWS);
        a2.intoArray(acc, ao + 4 * ROWS);
        b2.intoArray(acc, ao + 5 * ROWS);
        a3.intoArray(acc, ao + 6 * ROWS);
        b3.intoArray(acc, ao + 7 * ROWS);
    }
}
