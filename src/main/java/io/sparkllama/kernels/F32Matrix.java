package io.sparkllama.kernels;

import io.sparkllama.format.GgmlType;

/** F32 weights, row-major. Memory-bound at small batches; the F32 micro-kernels run directly on the storage. */
public final class F32Matrix extends WeightMatrix {
    private final float[] w;

    public F32Matrix(String name, int rows, int cols, float[] w) {
        super(name, rows, cols);
        if (w.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + w.length + " values for " + rows + "x" + cols);
        }
        this.w = w;
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public long bytes() {
        return 4L * w.length;
    }

    @Override
    public void decodeRows(int row, int n, float[] dst, int off) {
        System.arraycopy(w, row * cols, dst, off, n * cols);
    }

    @Override
    public void multiply(float[] x, int batch, float[] out, int r0, int r1) {
        Dot.rows(w, r0 * cols, r1 - r0, cols, x, batch, out, rows, r0);
    }

    @Override
    protected float scalarWeight(int r, int c) {
        return w[r * cols + c];
    }
}
