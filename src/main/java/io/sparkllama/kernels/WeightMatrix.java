package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

/**
 * A weight matrix of {@code rows x cols} in one storage type, and its matrix products.
 *
 * <p>{@link #multiply} computes {@code out[b*rows + r] = W[r] . x[b*cols ..]} for a batch of
 * activation rows. By default a few rows at a time are decoded (exactly) into a float scratch
 * and the shared F32 micro-kernels of {@link Dot} run over every activation row, so each weight
 * is decoded once per call; types with faster paths override it, keeping the same reduction
 * order for every batch size.
 *
 * <p>{@link #multiplyScalar} is the plain-loop twin (double accumulation over
 * {@link #scalarWeight}) that tests check the vector kernels against.
 */
public abstract class WeightMatrix {
    /** Rows decoded per scratch block in the batched path. */
    static final int ROW_BLOCK = 4;

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

    /** Row ranges handed to {@link #multiply} by {@link Parallel} start at multiples of this. */
    int rowAlignment() {
        return ROW_BLOCK;
    }

    /** Storage type. */
    public abstract GgmlType type();

    /** Bytes of heap the weights occupy. */
    public abstract long bytes();

    /** Decodes rows {@code [row, row+n)} into {@code dst[off ..]}, exactly. */
    public abstract void decodeRows(int row, int n, float[] dst, int off);

    /**
     * {@code out[b*rows + r] = W[r] . x[b*cols .. (b+1)*cols)} for rows {@code [r0, r1)} and
     * {@code b < batch}. Different row ranges may run concurrently.
     */
    public void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        float[] scratch = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, ROW_BLOCK * cols);
        for (int r = r0; r < r1; r += ROW_BLOCK) {
            int n = Math.min(ROW_BLOCK, r1 - r);
            decodeRows(r, n, scratch, 0);
            Dot.rows(scratch, 0, n, cols, x, batch, out, rows, r);
        }
    }

    /**
     * As {@link #multiply(float[], int, float[], int, int)}, given the first eight rows of {@code x}
     * interleaved by {@link Interleave} when {@link #readsInterleaved} (else null), so that the
     * tasks of one product share one copy.
     */
    void multiply(float[] x, float[] interleaved, int batch, float[] out, int r0, int r1) {
        multiply(x, batch, out, r0, r1);
    }

    /** Whether a product of this batch size reads the first eight activation rows interleaved. */
    boolean readsInterleaved(int batch) {
        return false;
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

    @Override
    public String toString() {
        return name + " " + type() + " " + rows + "x" + cols;
    }
}
