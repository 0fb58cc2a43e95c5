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

    @Override
    protected void unscaledRow(int r, float[] dst, int off) {
        int s = r * blocksPerRow;
        for (int blk = 0; blk < blocksPerRow; blk++) {
            int o = off + blk * QK;
            for (int half = 0; half < 2; half++) {
                IntVector b = (IntVector) ByteVector.fromArray(B64, packed, (s + blk) * 16 + half * 8)
                        .convertShape(VectorOperators.B2I, I256, 0);
                ((FloatVector) b.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).intoArray(dst, o + half * 8);
                ((FloatVector) b.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                        .intoArray(dst, o + 16 + half * 8);
            }
        }
    }

    @Override
    protected void multiplyOne(float[] x, float[] out, int r0, int r1) {
        float[] tmp = new float[8];
        for (int r = r0; r < r1; r++) {
            FloatVector acc = FloatVector.zero(F);
            int s = r * blocksPerRow;
            for (int blk = 0; blk < blocksPerRow; blk++) {
                int xc = blk * QK;
                IntVector b0 = (IntVector) ByteVector.fromArray(B64, packed, (s + blk) * 16)
                        .convertShape(VectorOperators.B2I, I256, 0);
                IntVector b1 = (IntVector) ByteVector.fromArray(B64, packed, (s + blk) * 16 + 8)
                        .convertShape(VectorOperators.B2I, I256, 0);
                FloatVector t = ((FloatVector) b0.and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(FloatVector.fromArray(F, x, xc));
                t = ((FloatVector) b1.and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xc + 8), t);
                t = ((FloatVector) b0.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xc + 16), t);
                t = ((FloatVector) b1.lanewise(VectorOperators.ASHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(F, x, xc + 24), t);
                acc = t.fma(FloatVector.broadcast(F, scales[s + blk]), acc);
            }
            acc.intoArray(tmp, 0);
            out[r] = Dot.sum8(tmp, 0);
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
