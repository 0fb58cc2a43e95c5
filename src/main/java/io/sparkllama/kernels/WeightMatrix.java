package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

/**
 * A weight matrix of {@code rows x cols} in one storage type, and its matrix products.
 *
 * <p>{@link #multiply} computes {@code out[b*rows + r] = W[r] . x[b*cols ..]} for a batch of
 * activation rows, in the fixed reduction order of the matrix's kind (see {@link PanelMatrix}),
 * so a row's result does not depend on the batch size, the row range or the thread.
 *
 * <p>{@link #multiplyScalar} is the plain-loop twin (double accumulation over
 * {@link #scalarWeight}) that tests check the vector kernels against.
 */
public abstract class WeightMatrix {
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
    abstract int rowAlignment();

    /** Storage type. */
    public abstract GgmlType type();

    /** Bytes of heap the weights occupy. */
    public abstract long bytes();

    /** Decodes rows {@code [row, row+n)} into {@code dst[off ..]}, exactly as the file's format defines each weight. */
    public abstract void decodeRows(int row, int n, float[] dst, int off);

    /**
     * {@code out[b*rows + r] = W[r] . x[b*cols .. (b+1)*cols)} for rows {@code [r0, r1)} and
     * {@code b < batch}. Different row ranges may run concurrently.
     */
    public final void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        Activations a = new Activations(x, batch, cols);
        a.prepare(this);
        multiply(a, out, r0, r1);
    }

    /** As {@link #multiply(float[], int, float[], int, int)} on activations {@link Activations#prepare prepared} for this matrix. */
    abstract void multiply(Activations a, float[] out, int r0, int r1);

    /** Whether a product of this batch size reads the first eight rows interleaved ({@link Activations#interleaved}). */
    boolean readsInterleaved(int batch) {
        return false;
    }

    /** The sub-block size (16 or 32) whose activation sums the kernels read, or 0. */
    int activationSums() {
        return 0;
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
