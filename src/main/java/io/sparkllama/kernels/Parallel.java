package io.sparkllama.kernels;

/**
 * Splits matrix products over a {@link ComputePool} by row ranges. Several matrices that read
 * the same input (Q, K and V; gate and up) go into one job, so the pool is woken once. Row ranges
 * start at multiples of each matrix's {@link WeightMatrix#rowAlignment}, the rows its kernels
 * process together. What the kernels derive from the activations once per product (sub-block
 * sums, see {@link Activations}) is computed here on the calling thread, before the tasks share it.
 */
public final class Parallel {
    /** Below this many multiply-adds a product runs on the calling thread: waking the pool costs more. */
    private static final long MIN_PARALLEL_WORK = 1 << 15;
    /** Tasks per thread, so that uneven progress evens out. */
    private static final int TASKS_PER_THREAD = 16;

    private Parallel() {
    }

    /** {@code out = m x} for {@code batch} activation rows. */
    public static void multiply(ComputePool pool, WeightMatrix m, float[] x, int batch, float[] out) {
        multiply(pool, new WeightMatrix[] {m}, x, batch, new float[][] {out});
    }

    /** {@code outs[i] = ms[i] x} for each matrix, all in one pool job. */
    public static void multiply(ComputePool pool, WeightMatrix[] ms, float[] x, int batch, float[][] outs) {
        long work = 0;
        for (WeightMatrix m : ms) {
            work += (long) m.rows() * m.cols() * batch;
        }
        Activations a = new Activations(x, batch, ms[0].cols());
        for (WeightMatrix m : ms) {
            if (m.cols() != a.cols) {
                throw new IllegalArgumentException(m + " does not read rows of " + a.cols);
            }
            a.prepare(m);
        }
        if (pool.threads() == 1 || work < MIN_PARALLEL_WORK) {
            for (int i = 0; i < ms.length; i++) {
                ms[i].multiply(a, outs[i], 0, ms[i].rows());
            }
            return;
        }
        int targetTasks = pool.threads() * TASKS_PER_THREAD;
        int[] chunk = new int[ms.length];
        int[] firstTask = new int[ms.length + 1];
        for (int i = 0; i < ms.length; i++) {
            long share = Math.max(1, (long) targetTasks * ms[i].rows() * ms[i].cols() * batch / work);
            int rows = (int) ((ms[i].rows() + share - 1) / share);
            int align = ms[i].rowAlignment();
            chunk[i] = Math.max(align, (rows + align - 1) / align * align);
            firstTask[i + 1] = firstTask[i] + (ms[i].rows() + chunk[i] - 1) / chunk[i];
        }
        pool.run(firstTask[ms.length], task -> {
            int i = 0;
            while (task >= firstTask[i + 1]) {
                i++;
            }
            int r0 = (task - firstTask[i]) * chunk[i];
            ms[i].multiply(a, outs[i], r0, Math.min(ms[i].rows(), r0 + chunk[i]));
        });
    }
}
