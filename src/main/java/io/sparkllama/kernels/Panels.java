package io.sparkllama.kernels;

/**
 * The panel layout shared by {@link F32Matrix} and {@link BlockMatrix}: rows are stored in
 * panels of 8, the 8 rows' values of one column side by side, so one vector is one column of a
 * panel and a vector lane is a row. The last panel is padded with zero rows.
 */
final class Panels {
    /** Rows per panel: one per vector lane. */
    static final int ROWS = Dot.L;
    /** Panels a single-sequence kernel runs at once; {@link Parallel} hands out row ranges in multiples of this. */
    static final int GROUP = 4;

    private Panels() {
    }

    /** Panels needed for {@code rows} rows. */
    static int count(int rows) {
        return (rows + ROWS - 1) / ROWS;
    }

    /**
     * Copies panel p's lanes at {@code res[ro ..]} to {@code out[base + row]} for its rows that lie
     * inside [r0, r1) and inside the matrix's {@code rows}.
     */
    static void store(float[] res, int ro, int p, float[] out, int base, int r0, int r1, int rows) {
        int lo = Math.max(r0, p * ROWS), hi = Math.min(Math.min(r1, rows), p * ROWS + ROWS);
        if (lo < hi) {
            System.arraycopy(res, ro + lo - p * ROWS, out, base + lo, hi - lo);
        }
    }
}
