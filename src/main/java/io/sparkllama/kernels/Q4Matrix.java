package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static io.sparkllama.kernels.Dot.F;

/**
 * Q4_0 weights in ggml's packing: blocks of 32 weights in 16 bytes plus a scale {@code d};
 * weight j of a block is the low nibble of byte j (j &lt; 16) or the high nibble of byte j-16,
 * and its value is {@code (nibble - 8) * d}. So one 8-byte load gives columns 0-7 (low nibbles)
 * and 16-23 (high nibbles), the next columns 8-15 and 24-31. AVX2 has no byte shifts, so the
 * bytes are widened to int lanes before the nibbles are split. Summation follows {@link BlockMatrix}.
 */
public final class Q4Matrix extends BlockMatrix {
    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;

    private final byte[] packed;

    public Q4Matrix(String name, int rows, int cols, byte[] packed, float[] scales) {
        super(name, rows, cols, scales);
        if (packed.length != (long) rows * cols / 2) {
            throw new IllegalArgumentException(name + ": Q4_0 data does not fit " + rows + "x" + cols);
        }
        this.packed = packed;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public long bytes() {
        return packed.length + 4L * scales.length;
    }

    private static FloatVector low(IntVector b) {
        return (FloatVector) b.and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector b) {
        return (FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0);
    }

    /** Bytes {@code half*8 .. half*8+8} of block {@code blk}, sign-extended to ints. */
    private IntVector bytes(int blk, int half) {
        return (IntVector) ByteVector.fromArray(B64, packed, blk * 16 + half * 8).convertShape(VectorOperators.B2I, I256, 0);
    }

    @Override
    protected void unscaledRow(int r, float[] dst, int off) {
        int s = r * blocksPerRow;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int o = off + blk * QK;
            IntVector b0 = bytes(s + blk, 0), b1 = bytes(s + blk, 1);
            low(b0).intoArray(dst, o);
            low(b1).intoArray(dst, o + 8);
            high(b0).intoArray(dst, o + 16);
            high(b1).intoArray(dst, o + 24);
        }
    }

    @Override
    protected void multiplyOne(float[] x, float[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            FloatVector acc = FloatVector.zero(F);
            int s = r * blocksPerRow;
            for (int blk = 0; blk < blocksPerRow; blk++) {
                IntVector b0 = bytes(s + blk, 0), b1 = bytes(s + blk, 1);
                FloatVector t = blockSum(low(b0), low(b1), high(b0), high(b1), x, blk * QK);
                acc = t.fma(FloatVector.broadcast(F, scales[s + blk]), acc);
            }
            out[r] = Dot.lanes(acc);
        }
    }

    @Override
    protected float scalarWeight(int r, int c) {
        int blk = r * blocksPerRow + c / QK;
        int j = c % QK;
        int b = packed[blk * 16 + (j & 15)] & 0xFF;
        int nibble = j < 16 ? b & 0x0F : b >>> 4;
        return (nibble - 8) * scales[blk];
    }
}
