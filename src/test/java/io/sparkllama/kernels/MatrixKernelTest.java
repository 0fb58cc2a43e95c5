package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.TensorData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight type's vector kernels against its scalar twin on random data of awkward sizes,
 * and the batch-invariance contract: a row's result is bit-identical whatever the batch size,
 * the row range it is computed in, and the number of threads.
 */
class MatrixKernelTest {
    private static final int[] ROWS = {1, 3, 4, 5, 13, 35, 67};
    private static final int[] PLAIN_COLS = {1, 7, 8, 9, 31, 33, 172, 200};
    private static final int[] BLOCK_COLS = {32, 64, 96, 320};
    private static final int[] BATCHES = {1, 2, 3, 5, 7, 8, 9, 13, 16};

    private static ComputePool pool1;
    private static ComputePool pool2;

    @BeforeAll
    static void pools() {
        pool1 = new ComputePool(1, "t1");
        pool2 = new ComputePool(2, "t2");
    }

    @AfterAll
    static void close() {
        pool1.close();
        pool2.close();
    }

    private static int[] colsFor(GgmlType t) {
        return t == GgmlType.Q8_0 || t == GgmlType.Q4_0 ? BLOCK_COLS : PLAIN_COLS;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void vectorKernelMatchesScalarTwin(GgmlType type) {
        Random rnd = new Random(type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                WeightMatrix m = RandomMatrices.of(type, rows, cols, rnd);
                float[] dense = new float[rows * cols];
                m.decodeRows(0, rows, dense, 0);
                for (int batch : BATCHES) {
                    float[] x = RandomMatrices.vector(batch * cols, rnd);
                    float[] got = new float[batch * rows];
                    float[] want = new float[batch * rows];
                    m.multiply(x, batch, got, 0, rows);
                    m.multiplyScalar(x, batch, want, 0, rows);
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            double magnitude = 0;
                            for (int c = 0; c < cols; c++) {
                                magnitude += Math.abs((double) dense[r * cols + c] * x[b * cols + c]);
                            }
                            // float accumulation error bound for n terms: n * 2^-24 * sum|w x|
                            double tolerance = cols * 0x1p-24 * magnitude + 1e-30;
                            float g = got[b * rows + r], w = want[b * rows + r];
                            assertTrue(Math.abs(g - w) <= tolerance, type + " " + rows + "x" + cols + " batch " + batch
                                    + " row " + r + " seq " + b + ": " + g + " vs scalar " + w + " (tolerance " + tolerance + ")");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void decodeRowsMatchesScalarTwin(GgmlType type) {
        Random rnd = new Random(100 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                WeightMatrix m = RandomMatrices.of(type, rows, cols, rnd);
                float[] dense = new float[rows * cols];
                m.decodeRows(0, rows, dense, 0);
                // a one-hot activation picks out each weight through the scalar twin
                for (int c = 0; c < cols; c++) {
                    float[] x = new float[cols];
                    x[c] = 1f;
                    float[] col = new float[rows];
                    m.multiplyScalar(x, 1, col, 0, rows);
                    for (int r = 0; r < rows; r++) {
                        // == rather than assertEquals: a zero weight may decode as -0.0 (0 times a negative scale)
                        assertTrue(col[r] == dense[r * cols + c], type + " weight " + r + "," + c + ": "
                                + dense[r * cols + c] + " vs scalar " + col[r]);
                    }
                }
            }
        }
    }

    @Test
    void f32WeightsDecodeAsStoredInTheFile() {
        // the kernels repack weights into panels; decoding must still give the file's weights
        Random rnd = new Random(400);
        for (int rows : ROWS) {
            for (int cols : PLAIN_COLS) {
                float[] w = RandomMatrices.vector(rows * cols, rnd);
                float[] dense = new float[rows * cols];
                Matrices.of(TensorData.ofF32("w", rows, cols, w)).decodeRows(0, rows, dense, 0);
                assertBitsEqual(w, dense, "F32 " + rows + "x" + cols);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0"})
    void blockWeightsDecodeAsStoredInTheFile(GgmlType type) {
        // as for F32: repacked block weights must decode as in the file
        Random rnd = new Random(400 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : BLOCK_COLS) {
                int n = rows * cols;
                byte[] q = new byte[type == GgmlType.Q8_0 ? n : n / 2];
                rnd.nextBytes(q);
                float[] scales = new float[n / 32];
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = (float) rnd.nextGaussian();
                }
                WeightMatrix m = Matrices.of(TensorData.ofBlocks("w", type, rows, cols, q, scales));
                float[] dense = new float[n];
                m.decodeRows(0, rows, dense, 0);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        int block = r * (cols / 32) + c / 32, j = c % 32;
                        int value;
                        if (type == GgmlType.Q8_0) {
                            value = q[r * cols + c];
                        } else {
                            int b = q[block * 16 + (j & 15)] & 0xFF;
                            value = (j < 16 ? b & 0x0F : b >>> 4) - 8;
                        }
                        float want = value * scales[block];
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(dense[r * cols + c]),
                                type + " " + rows + "x" + cols + " weight " + r + "," + c);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void batchedKernelEqualsSingleSequenceKernelBitForBit(GgmlType type) {
        Random rnd = new Random(200 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                WeightMatrix m = RandomMatrices.of(type, rows, cols, rnd);
                int batch = 16;
                float[] x = RandomMatrices.vector(batch * cols, rnd);
                float[] single = new float[batch * rows];
                float[] row = new float[rows];
                for (int b = 0; b < batch; b++) {
                    float[] xb = new float[cols];
                    System.arraycopy(x, b * cols, xb, 0, cols);
                    m.multiply(xb, 1, row, 0, rows);
                    System.arraycopy(row, 0, single, b * rows, rows);
                }
                for (int n : BATCHES) {
                    float[] got = new float[n * rows];
                    m.multiply(x, n, got, 0, rows);
                    for (int i = 0; i < n * rows; i++) {
                        assertEquals(Float.floatToRawIntBits(single[i]), Float.floatToRawIntBits(got[i]),
                                type + " " + rows + "x" + cols + " batch " + n + " element " + i);
                    }
                }
                // split into uneven row ranges, as threads would, not aligned to panels or groups
                for (int range : new int[] {3, 11}) {
                    float[] split = new float[batch * rows];
                    for (int r0 = 0; r0 < rows; r0 += range) {
                        m.multiply(x, batch, split, r0, Math.min(rows, r0 + range));
                    }
                    assertBitsEqual(single, split, type + " row ranges of " + range);
                    for (int b = 0; b < batch; b++) {
                        float[] xb = Arrays.copyOfRange(x, b * cols, (b + 1) * cols);
                        Arrays.fill(row, Float.NaN);
                        for (int r0 = 0; r0 < rows; r0 += range) {
                            m.multiply(xb, 1, row, r0, Math.min(rows, r0 + range));
                        }
                        assertBitsEqual(Arrays.copyOfRange(single, b * rows, (b + 1) * rows), row,
                                type + " one sequence, row ranges of " + range);
                    }
                }
                float[] p1 = new float[batch * rows], p2 = new float[batch * rows];
                Parallel.multiply(pool1, m, x, batch, p1);
                Parallel.multiply(pool2, m, x, batch, p2);
                assertBitsEqual(single, p1, type + " one thread");
                assertBitsEqual(single, p2, type + " two threads");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0"})
    void panelKernelsFollowTheDocumentedReductionOrder(GgmlType type) {
        // the order of Panels (F32) and BlockMatrix (Q8_0, Q4_0), written as plain scalar fmas
        Random rnd = new Random(500 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                PanelMatrix m = (PanelMatrix) RandomMatrices.of(type, rows, cols, rnd);
                for (int batch : new int[] {1, 9, 16}) {
                    float[] x = RandomMatrices.vector(batch * cols, rnd);
                    float[] want = new float[batch * rows];
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            want[b * rows + r] = m instanceof BlockMatrix bm
                                    ? blockOrder(bm, r, x, b * cols) : chainOrder(m, r, x, b * cols);
                        }
                    }
                    float[] got = new float[batch * rows];
                    m.multiply(x, batch, got, 0, rows);
                    assertBitsEqual(want, got, type + " " + rows + "x" + cols + " batch " + batch);
                }
            }
        }
    }

    /** One fma chain over the columns in order. */
    private static float chainOrder(PanelMatrix m, int r, float[] x, int xo) {
        float acc = 0f;
        for (int c = 0; c < m.cols; c++) {
            acc = Math.fma(m.scalarWeight(r, c), x[xo + c], acc);
        }
        return acc;
    }

    /** Per block, an fma chain of the integers (as the kernels convert them) and x, folded in by one fma with the scale. */
    private static float blockOrder(BlockMatrix m, int r, float[] x, int xo) {
        float acc = 0f;
        for (int blk = 0; blk < m.blocksPerRow; blk++) {
            float t = 0f;
            for (int c = blk * BlockMatrix.QK; c < (blk + 1) * BlockMatrix.QK; c++) {
                t = Math.fma((float) m.quant(r, c), x[xo + c], t);
            }
            acc = Math.fma(t, m.scales[m.scaleIndex(r, blk)], acc);
        }
        return acc;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0"})
    void largeMatricesSplitOverThreadsGiveTheSameBits(GgmlType type) {
        Random rnd = new Random(300 + type.ordinal());
        WeightMatrix m = RandomMatrices.of(type, 515, 256, rnd);
        for (int batch : BATCHES) {
            float[] x = RandomMatrices.vector(batch * 256, rnd);
            float[] p1 = new float[batch * 515], p2 = new float[batch * 515];
            Parallel.multiply(pool1, m, x, batch, p1);
            Parallel.multiply(pool2, m, x, batch, p2);
            assertBitsEqual(p1, p2, type + " batch " + batch);
        }
    }

    private static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), what + " element " + i);
        }
    }
}
