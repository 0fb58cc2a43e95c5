package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

/**
 * A weight matrix of {@code rows x cols} in one storage type, and its matrix products.
 *
 * <p>{@link #multiply} computes {@code out[b*rows + r] = W[r] . x[b*cols ..]} for a batch of
 * activation rows, in the reduction order documented on {@link Dot}. A batch of one uses a fused
 * kernel that decodes weights on the fly; larger batches decode a few rows at a time into a
 * float scratch and run the shared F32 micro-kernels over every activation row, so each weight
 * is decoded once per call. Decoding is exact, so both paths give the same bits.
 *
 * <p>{@link #multiplyScalar} is the plain-loop twin (double accumulation) that tests check the
 * vector kernels against.
 */
public abstract class WeightMatrix {
    /** Rows decoded per scratch block in the batched path. */
    static final int ROW_BLOCK = 4;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    protected final String name;
    protected final int rows;
    protected final int cols;

    protected WeightMatrix(String name, int rows, int cols) {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException(name + ": empty matrix " + rows + "x" + cols);
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
    }

    public final String name() {
        return name;
    }

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    /** Storage type. */
    public abstract GgmlType type();

    /** Bytes of heap the weights occupy. */
    public abstract long bytes();

    /** Decodes rows {@code [row, row+n)} into {@code dst[off ..]}, exactly. */
    public abstract void decodeRows(int row, int n, float[] dst, int off);

    /** Batch-of-one product for rows {@code [r0, r1)}: {@code out[r] = W[r] . x[0 .. cols)}. */
    protected abstract void multiplyOne(float[] x, float[] out, int r0, int r1);

    /**
     * {@code out[b*rows + r] = W[r] . x[b*cols .. (b+1)*cols)} for rows {@code [r0, r1)} and
     * {@code b < batch}. Different row ranges may run concurrently.
     */
    public void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        if (batch == 1) {
            multiplyOne(x, out, r0, r1);
            return;
        }
        float[] scratch = scratch(ROW_BLOCK * cols);
        for (int r = r0; r < r1; r += ROW_BLOCK) {
            int n = Math.min(ROW_BLOCK, r1 - r);
            decodeRows(r, n, scratch, 0);
            Dot.rows(scratch, 0, n, cols, x, batch, out, rows, r);
        }
    }

    /** Weight {@code (r, c)} decoded by plain scalar code, independent of the vector kernels. */
    protected abstract float scalarWeight(int r, int c);

    /** Scalar twin of {@link #multiply}: plain loops over {@link #scalarWeight}, double accumulation. */
    public final void multiplyScalar(float[] x, int batch, float[] out, int r0, int r1) {
        for (int b = 0; b < batch; b++) {
            for (int r = r0; r < r1; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += (double) scalarWeight(r, c) * x[b * cols + c];
                }
                out[b * rows + r] = (float) s;
            }
        }
    }

    /** A per-thread float scratch of at least {@code n} elements. */
    static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length < n) {
            s = new float[n];
            SCRATCH.set(s);
        }
        return s;
    }

    @Override
    public String toString() {
        return name + " " + type() + " " + rows + "x" + cols;
    }
}
