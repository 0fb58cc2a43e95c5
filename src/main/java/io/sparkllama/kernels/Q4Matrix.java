package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static io.sparkllama.kernels.Dot.F;

/**
 * Q4_0 weights: blocks of 32 four-bit values {@code n} with one scale {@code d}; a weight is
 * {@code (n - 8) * d}. In the file, weight j of a block is the low nibble of byte j (j &lt; 16) or
 * the high nibble of byte j-16. Here they are re-paired into {@link BlockMatrix} panels: one byte
 * per row holds two neighbouring columns (low nibble the even one), so one 8-byte load gives two
 * panel columns in summation order. AVX2 has no byte shifts, so the bytes are widened to int lanes
 * before the nibbles are split. Summation follows {@link BlockMatrix}.
 */
public final class Q4Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
    /** Bytes of one panel's block: 16 column pairs of 8 rows. */
    private static final int PANEL_BLOCK = QK / 2 * PANEL;

    /** {@code packed[((panel * blocksPerRow + blk) * 16 + pair) * 8 + lane]}; padding rows hold zeros (nibble 8). */
    private final byte[] packed;

    /** {@code filePacked} and {@code scales} as in the file: row after row, blocks in column order. */
    public Q4Matrix(String name, int rows, int cols, byte[] filePacked, float[] scales) {
        super(name, rows, cols, Panels.GROUP, scales, 1f);
        if (filePacked.length != (long) rows * cols / 2) {
            throw new IllegalArgumentException(name + ": Q4_0 data does not fit " + rows + "x" + cols);
        }
        this.packed = new byte[panels * blocksPerRow * PANEL_BLOCK];
        Arrays.fill(packed, (byte) 0x88);
        for (int r = 0; r < rows; r++) {
            for (int blk = 0; blk < blocksPerRow; blk++) {
                int file = (r * blocksPerRow + blk) * (QK / 2);
                int panel = ((r / PANEL) * blocksPerRow + blk) * PANEL_BLOCK + r % PANEL;
                for (int pair = 0; pair < QK / 2; pair++) {
                    int lo = fileNibble(filePacked, file, 2 * pair), hi = fileNibble(filePacked, file, 2 * pair + 1);
                    packed[panel + pair * PANEL] = (byte) (lo | hi << 4);
                }
            }
        }
    }

    /** Nibble of weight j of the file block at byte {@code file}. */
    private static int fileNibble(byte[] filePacked, int file, int j) {
        int b = filePacked[file + (j & 15)] & 0xFF;
        return j < 16 ? b & 0x0F : b >>> 4;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public long bytes() {
        return packed.length + 4L * scales.length;
    }

    @Override
    protected int quant(int r, int c) {
        int b = packed[((r / PANEL) * blocksPerRow + c / QK) * PANEL_BLOCK + (c % QK / 2) * PANEL + r % PANEL] & 0xFF;
        return ((c & 1) == 0 ? b & 0x0F : b >>> 4) - 8;
    }

    @Override
    protected void unpackPanel(int p, float[] dst, int off) {
        int base = p * blocksPerRow * PANEL_BLOCK;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            for (int k = 0; k < QK; k += 2) {
                int c = blk * QK + k;
                IntVector b = (IntVector) ByteVector.fromArray(B64, packed, base + c / 2 * PANEL)
                        .convertShape(VectorOperators.B2I, I256, 0);
                ((FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, off + c * PANEL);
                ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).intoArray(dst, off + (c + 1) * PANEL);
            }
        }
    }

    /** Per block, one chain per panel over the block's columns, then one fma by each panel's scale. */
    @Override
    protected void panelGroupTimesOne(int p, float[] x, float[] res) {
        int panelBytes = blocksPerRow * PANEL_BLOCK;
        int q0 = p * panelBytes, q1 = q0 + panelBytes, q2 = q1 + panelBytes, q3 = q2 + panelBytes;
        int s0 = scaleStart(p), s1 = scaleStart(p + 1), s2 = scaleStart(p + 2), s3 = scaleStart(p + 3);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int k = 0; k < QK; k += 2) {
                int c = blk * QK + k;
                FloatVector xe = FloatVector.broadcast(F, x[c]), xo = FloatVector.broadcast(F, x[c + 1]);
                int o = c / 2 * PANEL;
                IntVector b = (IntVector) ByteVector.fromArray(B64, packed, q0 + o).convertShape(VectorOperators.B2I, I256, 0);
                t0 = ((FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t0);
                t0 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t0);
                b = (IntVector) ByteVector.fromArray(B64, packed, q1 + o).convertShape(VectorOperators.B2I, I256, 0);
                t1 = ((FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t1);
                t1 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t1);
                b = (IntVector) ByteVector.fromArray(B64, packed, q2 + o).convertShape(VectorOperators.B2I, I256, 0);
                t2 = ((FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t2);
                t2 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t2);
                b = (IntVector) ByteVector.fromArray(B64, packed, q3 + o).convertShape(VectorOperators.B2I, I256, 0);
                t3 = ((FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xe, t3);
                t3 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(xo, t3);
            }
            int sb = blk * PANEL;
            a0 = t0.fma(FloatVector.fromArray(F, scales, s0 + sb), a0);
            a1 = t1.fma(FloatVector.fromArray(F, scales, s1 + sb), a1);
            a2 = t2.fma(FloatVector.fromArray(F, scales, s2 + sb), a2);
            a3 = t3.fma(FloatVector.fromArray(F, scales, s3 + sb), a3);
        }
        a0.intoArray(res, 0);
        a1.intoArray(res, PANEL);
        a2.intoArray(res, 2 * PANEL);
        a3.intoArray(res, 3 * PANEL);
    }

    /**
     * As {@link Q8Matrix#panelTimesEight}: each pair of weight columns is made once in registers,
     * stored (into the caller's floats, or a small per-thread sink when nobody needs them) and fed
     * to eight block chains, one per interleaved activation row; at each block's end the chains
     * are folded into eight totals kept in {@code res}.
     */
    @Override
    protected void panelTimesEight(int p, float[] xi, float[] res, float[] floats, int off) {
        boolean keep = floats != null;
        float[] dst = keep ? floats : ThreadBuffers.floats(ThreadBuffers.SINK, 2 * PANEL);
        int stride = keep ? 2 * PANEL : 0, wo0 = keep ? off : 0;
        int q0 = p * blocksPerRow * PANEL_BLOCK, s0 = scaleStart(p);
        Arrays.fill(res, 0, Interleave.ROWS * PANEL, 0f);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = 0; k < QK / 2; k++) {
                int pair = blk * (QK / 2) + k;
                IntVector b = (IntVector) ByteVector.fromArray(B64, packed, q0 + pair * PANEL)
                        .convertShape(VectorOperators.B2I, I256, 0);
                int xo = pair * 2 * Interleave.ROWS, wo = wo0 + pair * stride;
                FloatVector w;
                w = (FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 1]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 2]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 3]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 4]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 5]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 6]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 7]), a7);
                w = (FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0);
                w.intoArray(dst, wo + PANEL);
                a0 = w.fma(FloatVector.broadcast(F, xi[xo + 8]), a0);
                a1 = w.fma(FloatVector.broadcast(F, xi[xo + 9]), a1);
                a2 = w.fma(FloatVector.broadcast(F, xi[xo + 10]), a2);
                a3 = w.fma(FloatVector.broadcast(F, xi[xo + 11]), a3);
                a4 = w.fma(FloatVector.broadcast(F, xi[xo + 12]), a4);
                a5 = w.fma(FloatVector.broadcast(F, xi[xo + 13]), a5);
                a6 = w.fma(FloatVector.broadcast(F, xi[xo + 14]), a6);
                a7 = w.fma(FloatVector.broadcast(F, xi[xo + 15]), a7);
            }
            FloatVector d = FloatVector.fromArray(F, scales, s0 + blk * PANEL);
            a0.fma(d, FloatVector.fromArray(F, res, 0)).intoArray(res, 0);
            a1.fma(d, FloatVector.fromArray(F, res, PANEL)).intoArray(res, PANEL);
            a2.fma(d, FloatVector.fromArray(F, res, 2 * PANEL)).intoArray(res, 2 * PANEL);
            a3.fma(d, FloatVector.fromArray(F, res, 3 * PANEL)).intoArray(res, 3 * PANEL);
            a4.fma(d, FloatVector.fromArray(F, res, 4 * PANEL)).intoArray(res, 4 * PANEL);
            a5.fma(d, FloatVector.fromArray(F, res, 5 * PANEL)).intoArray(res, 5 * PANEL);
            a6.fma(d, FloatVector.fromArray(F, res, 6 * PANEL)).intoArray(res, 6 * PANEL);
            a7.fma(d, FloatVector.fromArray(F, res, 7 * PANEL)).intoArray(res, 7 * PANEL);
        }
    }

    @Override
    protected void panelTimesOne(int p, float[] x, float[] res) {
        int q0 = p * blocksPerRow * PANEL_BLOCK, s0 = scaleStart(p);
        FloatVector a0 = FloatVector.zero(F);
        for (int blk = 0; blk < blocksPerRow; blk++) {
            FloatVector t0 = FloatVector.zero(F);
            for (int k = 0; k < QK; k += 2) {
                int c = blk * QK + k;
                int o = c / 2 * PANEL;
                IntVector b = (IntVector) ByteVector.fromArray(B64, packed, q0 + o).convertShape(VectorOperators.B2I, I256, 0);
                t0 = ((FloatVector) b.and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, x[c]), t0);
                t0 = ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.broadcast(F, x[c + 1]), t0);
            }
            a0 = t0.fma(FloatVector.fromArray(F, scales, s0 + blk * PANEL), a0);
        }
        a0.intoArray(res, 0);
    }
}
