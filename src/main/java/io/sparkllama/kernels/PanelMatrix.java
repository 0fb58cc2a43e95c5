package io.sparkllama.kernels;

import java.util.Arrays;

/**
 * A weight matrix stored in {@link Panels} of one row per vector lane, and the two ways its
 * products run, which compute every output element in the same order:
 * <ul>
 * <li>a single sequence runs the type's own kernel on a group of panels at a time (one chain per
 * panel, enough chains to hide the FMA latency);</li>
 * <li>a batch runs pairs of panels over chunks of columns: the type gives the chunk's weights as
 * floats (unpacked into a small scratch, or its own storage for F32), and the pair runs against
 * four activation rows at a time, then single rows, with the accumulators kept in a per-thread
 * buffer between chunks. The chunk's weights and activations stay in cache while every row of
 * the batch passes over them, and each weight is unpacked once per product. Types with an
 * eight-row kernel run the first eight rows of a batch of 8 to 15 with the weights made in
 * registers (no store and reload), leaving the floats for the rest.</li>
 * </ul>
 */
abstract class PanelMatrix extends WeightMatrix {
    static final int PANEL = Panels.ROWS;
    /**
     * Batches from this size on run every row through the unpacked floats: the unpack is shared
     * by enough rows, and the four-row kernel does more per weight load than the eight-row one
     * (Q4_K on one core at 16 / 32 rows: 61 / 62 GFLOP/s with the eight-row kernel first, 71 / 78
     * without; the other types level).
     */
    private static final int EIGHT_BELOW = 16;

    protected final int panels;
    /** Panels the single-sequence kernel {@link #panelGroupTimesOne} runs at once. */
    protected final int group;

    protected PanelMatrix(String name, int rows, int cols, int group) {
        super(name, rows, cols);
        this.panels = Panels.count(rows);
        this.group = group;
    }

    /** Index of weight (r, c) in panel storage of one value per weight. */
    protected final int panelIndex(int r, int c) {
        return ((r / PANEL) * cols + c) * PANEL + r % PANEL;
    }

    /** Whole single-sequence groups and whole batch pairs. */
    @Override
    final int rowAlignment() {
        return (group % 2 == 0 ? group : 2 * group) * PANEL;
    }

    /**
     * Batch-of-one product of the group of panels {@code p .. p+group-1}: {@code res[i*P + lane]}
     * = row {@code (p+i)*P + lane} times activation row 0.
     */
    protected abstract void panelGroupTimesOne(int p, Activations a, float[] res);

    /** As {@link #panelGroupTimesOne} for the single panel p. */
    protected abstract void panelTimesOne(int p, Activations a, float[] res);

    /** Columns per chunk of the batched product. */
    protected abstract int chunkColumns();

    /**
     * Panels {@code p .. p+n-1} (n is 1 or 2), columns {@code [c0, c1)}, as floats: panel p+i's
     * column c is at {@code chunkIndex(p, i, c0, c1) + (c - c0) * P} of the returned array.
     */
    protected abstract float[] floatChunk(int p, int n, int c0, int c1);

    /** Where panel p+i's column c0 is in the array {@link #floatChunk} returned. */
    protected abstract int chunkIndex(int p, int i, int c0, int c1);

    /**
     * Panels p (floats at {@code w[w0 ..]}) and p+1 (at {@code w[w1 ..]}), columns [c0, c1), times
     * activation rows {@code b .. b+3}, continuing the accumulators at {@code acc[ao ..]}: row
     * b+i, panel p+j at {@code acc[ao + (2*i + j)*P]}.
     */
    protected abstract void pairTimesFour(float[] w, int w0, int w1, int p, int c0, int c1, Activations a, int b,
                                          float[] acc, int ao);

    /** Panel p (floats at {@code w[w0 ..]}), columns [c0, c1), times activation row b, continuing {@code acc[ao ..]}. */
    protected abstract void panelTimesRow(float[] w, int w0, int p, int c0, int c1, Activations a, int b,
                                          float[] acc, int ao);

    /** Whether the type has an eight-row kernel ({@link #panelTimesEight}). */
    protected boolean hasEightKernel() {
        return false;
    }

    @Override
    final boolean readsInterleaved(int batch) {
        return batch >= Activations.EIGHT && batch < EIGHT_BELOW && hasEightKernel();
    }

    /**
     * Panel p (panel i of its pair) times the first eight activation rows ({@link Activations#interleaved})
     * over columns {@code [c0, c1)}, continuing their accumulators (row s at {@code acc[(2*s + i)*P]}),
     * with the weights made in registers. When {@code keep}, it also leaves the chunk's weights
     * as {@link #floatChunk} would have given them (panel i's part), for the rest of the batch.
     */
    protected void panelTimesEight(int p, int i, int c0, int c1, Activations a, float[] acc, boolean keep) {
        throw new UnsupportedOperationException(name + ": no eight-row kernel");
    }

    @Override
    public final void decodeRows(int row, int n, float[] dst, int off) {
        for (int r = row; r < row + n; r++) {
            for (int c = 0; c < cols; c++) {
                dst[off + (r - row) * cols + c] = scalarWeight(r, c);
            }
        }
    }

    @Override
    final void multiply(Activations a, float[] out, int r0, int r1) {
        int p = r0 / PANEL, pEnd = (r1 + PANEL - 1) / PANEL;
        if (a.batch == 1) {
            float[] res = ThreadBuffers.floats(ThreadBuffers.RESULTS, Panels.RESULT_FLOATS);
            for (; p + group <= pEnd; p += group) {
                panelGroupTimesOne(p, a, res);
                for (int i = 0; i < group; i++) {
                    Panels.store(res, i * PANEL, p + i, out, 0, r0, r1, rows);
                }
            }
            for (; p < pEnd; p++) {
                panelTimesOne(p, a, res);
                Panels.store(res, 0, p, out, 0, r0, r1, rows);
            }
            return;
        }
        int batch = a.batch;
        // eight rows alone need no floats kept: whole rows then, fewer chunk boundaries
        int chunk = batch == Activations.EIGHT && readsInterleaved(batch) ? cols : chunkColumns();
        float[] acc = ThreadBuffers.floats(ThreadBuffers.ACCUMULATORS, batch * 2 * PANEL);
        for (; p < pEnd; p += 2) {
            int n = Math.min(2, pEnd - p);
            Arrays.fill(acc, 0, batch * 2 * PANEL, 0f);
            for (int c0 = 0; c0 < cols; c0 += chunk) {
                int c1 = Math.min(cols, c0 + chunk);
                float[] w;
                int b = 0;
                if (readsInterleaved(batch)) {
                    // the first eight rows with the weights made in registers, which also leaves
                    // them as floats for the rest of the batch
                    for (int i = 0; i < n; i++) {
                        panelTimesEight(p + i, i, c0, c1, a, acc, batch > Activations.EIGHT);
                    }
                    b = Activations.EIGHT;
                    w = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 0);
                } else {
                    w = floatChunk(p, n, c0, c1);
                }
                int w0 = chunkIndex(p, 0, c0, c1);
                if (n == 2) {
                    int w1 = chunkIndex(p, 1, c0, c1);
                    for (; b + 4 <= batch; b += 4) {
                        pairTimesFour(w, w0, w1, p, c0, c1, a, b, acc, b * 2 * PANEL);
                    }
                    for (int bb = b; bb < batch; bb++) {
                        panelTimesRow(w, w1, p + 1, c0, c1, a, bb, acc, (bb * 2 + 1) * PANEL);
                    }
                }
                for (; b < batch; b++) {
                    panelTimesRow(w, w0, p, c0, c1, a, b, acc, b * 2 * PANEL);
                }
            }
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < n; j++) {
                    Panels.store(acc, (b * 2 + j) * PANEL, p + j, out, b * rows, r0, r1, rows);
                }
            }
        }
    }
}
