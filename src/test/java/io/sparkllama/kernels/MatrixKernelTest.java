package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.TensorData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight type's vector kernels against plain scalar code on random data of awkward sizes:
 * weights decode exactly as ggml dequantizes the file's blocks; products follow the documented
 * reduction order bit for bit (written here as scalar fmas), and so a row's result is
 * bit-identical whatever the batch size, the row range it is computed in, and the number of
 * threads. The vector width is whatever this JVM runs with ({@link Panels}); the build runs these
 * tests at both widths (see pom.xml), so both are checked against the same scalar order.
 */
class MatrixKernelTest {
    private static final int[] ROWS = {1, 3, 17, 35, 67};
    private static final int[] PLAIN_COLS = {1, 7, 9, 33, 172, 200};
    private static final int[] BLOCK_COLS = {32, 96, 320};
    private static final int[] SUPER_BLOCK_COLS = {256, 768};
    private static final int[] BATCHES = {1, 2, 3, 5, 8, 9, 13, 16, 33};

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

    static List<GgmlType> types() {
        return RandomMatrices.TYPES;
    }

    static List<GgmlType> blockTypes() {
        return RandomMatrices.TYPES.stream().filter(t -> t.blockSize > 1).toList();
    }

    private static int[] colsFor(GgmlType t) {
        return t.blockSize == 1 ? PLAIN_COLS : t.blockSize == 32 ? BLOCK_COLS : SUPER_BLOCK_COLS;
    }

    @Test
    void panelsMatchTheVectorWidthAsked() {
        String asked = System.getProperty("sparkllama.vector.bits");
        if (asked != null) {
            assertEquals(Integer.parseInt(asked), Panels.BITS);
        }
        assertEquals(Panels.BITS / 32, Panels.ROWS);
    }

    @ParameterizedTest
    @MethodSource("blockTypes")
    void blockWeightsDecodeAsGgmlDequantizesTheFile(GgmlType type) {
        // the kernels repack the blocks; decoding must still give ggml's values, bit for bit
        Random rnd = new Random(400 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                TensorData t = RandomMatrices.data(type, rows, cols, rnd);
                float[] want = GgmlDequant.dequantize(type, t.blocks, rows * cols);
                float[] got = new float[rows * cols];
                Matrices.of(t).decodeRows(0, rows, got, 0);
                assertBitsEqual(want, got, type + " " + rows + "x" + cols);
            }
        }
    }

    @Test
    void floatWeightsDecodeAsStoredInTheFile() {
        Random rnd = new Random(401);
        for (GgmlType type : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16)) {
            for (int rows : ROWS) {
                for (int cols : PLAIN_COLS) {
                    TensorData t = RandomMatrices.data(type, rows, cols, rnd);
                    float[] want = new float[rows * cols];
                    for (int i = 0; i < want.length; i++) {
                        want[i] = type == GgmlType.F32 ? t.f32[i] : type == GgmlType.F16
                                ? io.sparkllama.format.Half.toFloat(t.bits16[i]) : Float.intBitsToFloat(t.bits16[i] << 16);
                    }
                    float[] got = new float[rows * cols];
                    Matrices.of(t).decodeRows(0, rows, got, 0);
                    assertBitsEqual(want, got, type + " " + rows + "x" + cols);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void vectorKernelMatchesScalarTwin(GgmlType type) {
        Random rnd = new Random(type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                WeightMatrix m = RandomMatrices.of(type, rows, cols, rnd);
                float[] dense = new float[rows * cols];
                m.decodeRows(0, rows, dense, 0);
                for (int batch : new int[] {1, 5, 9}) {
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
                            // float accumulation error bound for n terms: n * 2^-24 * sum|w x|, doubled
                            // for the offsets' cancellation (sum of q x minus the offset times sum x)
                            double tolerance = 2 * cols * 0x1p-24 * magnitude + 1e-30;
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
    @MethodSource("types")
    void kernelsFollowTheDocumentedReductionOrder(GgmlType type) {
        // the order of Panels (float types) and QuantMatrix (block types), written as plain scalar fmas
        Random rnd = new Random(500 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                PanelMatrix m = (PanelMatrix) RandomMatrices.of(type, rows, cols, rnd);
                for (int batch : BATCHES) {
                    float[] x = RandomMatrices.vector(batch * cols, rnd);
                    float[] want = new float[batch * rows];
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            want[b * rows + r] = m instanceof QuantMatrix qm
                                    ? subBlockOrder(qm, r, x, b * cols) : chainOrder(m, r, x, b * cols);
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

    /**
     * Per sub-block, an fma chain of the integers (as the kernels convert them) and x, folded in
     * by one fma with the scale, then one of the offset and the sub-block's sum of x.
     */
    private static float subBlockOrder(QuantMatrix m, int r, float[] x, int xo) {
        float acc = 0f;
        for (int j = 0; j < m.subsPerRow; j++) {
            float t = 0f, sum = 0f;
            for (int c = j * m.sub; c < (j + 1) * m.sub; c++) {
                t = Math.fma((float) m.quant(r, c), x[xo + c], t);
                sum += x[xo + c];
            }
            acc = Math.fma(t, m.scale(r, j), acc);
            if (m.hasOffsets) {
                acc = Math.fma(m.offset(r, j), sum, acc);
            }
        }
        return acc;
    }

    @ParameterizedTest
    @MethodSource("types")
    void resultsDoNotDependOnBatchRowRangeOrThreads(GgmlType type) {
        Random rnd = new Random(200 + type.ordinal());
        for (int rows : ROWS) {
            for (int cols : colsFor(type)) {
                WeightMatrix m = RandomMatrices.of(type, rows, cols, rnd);
                int batch = 33;
                float[] x = RandomMatrices.vector(batch * cols, rnd);
                float[] single = new float[batch * rows];
                float[] row = new float[rows];
                for (int b = 0; b < batch; b++) {
                    m.multiply(Arrays.copyOfRange(x, b * cols, (b + 1) * cols), 1, row, 0, rows);
                    System.arraycopy(row, 0, single, b * rows, rows);
                }
                for (int n : BATCHES) {
                    float[] got = new float[n * rows];
                    m.multiply(x, n, got, 0, rows);
                    assertBitsEqual(Arrays.copyOf(single, n * rows), got, type + " " + rows + "x" + cols + " batch " + n);
                }
                // split into uneven row ranges, as threads would, not aligned to panels or groups
                for (int range : new int[] {3, 11}) {
                    float[] split = new float[batch * rows];
                    for (int r0 = 0; r0 < rows; r0 += range) {
                        m.multiply(x, batch, split, r0, Math.min(rows, r0 + range));
                    }
                    assertBitsEqual(single, split, type + " row ranges of " + range);
                    for (int b = 0; b < 3; b++) {
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
    @MethodSource("types")
    void largeMatricesSplitOverThreadsGiveTheSameBits(GgmlType type) {
        Random rnd = new Random(300 + type.ordinal());
        WeightMatrix m = RandomMatrices.of(type, 515, 512, rnd);
        for (int batch : new int[] {1, 4, 9}) {
            float[] x = RandomMatrices.vector(batch * 512, rnd);
            float[] p1 = new float[batch * 515], p2 = new float[batch * 515];
            Parallel.multiply(pool1, m, x, batch, p1);
            Parallel.multiply(pool2, m, x, batch, p2);
            assertBitsEqual(p1, p2, type + " batch " + batch);
        }
    }

    private static void assertBitsEqual(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                assertEquals(want[i], got[i], what + " element " + i + " (bits " + Integer.toHexString(Float.floatToRawIntBits(want[i]))
                        + " vs " + Integer.toHexString(Float.floatToRawIntBits(got[i])) + ")");
                throw new AssertionError(what + " element " + i + ": " + want[i] + " vs " + got[i] + " differ in their bits");
            }
        }
    }
}
