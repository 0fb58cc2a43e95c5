package io.sparkllama.kernels;

import io.sparkllama.format.Half;

import java.util.Arrays;

/**
 * Weights quantized in blocks (every ggml block type), stored in {@link Panels} of one row per
 * lane. Each format is described to the kernels in one common form: a row's columns fall into
 * sub-blocks of {@link #sub} (16 or 32) columns, sub-block j has a scale {@code s_j} and, in the
 * types that have them, an offset {@code o_j}, and weight c of the sub-block is
 * {@code q[c] * s_j + o_j} with {@code q} a small integer. A format's signed integers become
 * non-negative ones and an offset ({@code (n - 8) * d = n * d + (-8 d)} for Q4_0), which saves
 * the kernels a subtraction per weight. Scales and offsets are exact products of the format's
 * fields (an fp16 scale times a 6-bit sub-scale needs 17 bits), and so is {@code q * s_j}.
 *
 * <p><b>Reduction order</b> (the numerics contract of every quantized type): each output
 * element is {@code acc = 0}, then for every sub-block j in column order
 * <pre>
 *   t = 0;  t = fma(q[c], x[c], t) for the sub-block's columns c in order
 *   acc = fma(t, s_j, acc)
 *   acc = fma(o_j, X_j, acc)       (types with offsets; X_j: {@link Activations#sums})
 * </pre>
 * A type may hold its integers times a power of two {@code 2^k} (cheaper to extract) and its
 * scales times {@code 2^-k}: every product and sum is then the same up to that exact power of
 * two. This is the order of the formats themselves (llama.cpp also sums a block's integer
 * products before it scales them), with one multiply by the scale per sub-block, not per weight.
 *
 * <p>Every type gives its integers, scales and offsets by plain scalar code ({@link #quant},
 * {@link #scale}, {@link #offset}: the tests' reference) and as float panels ({@link #unpack}),
 * which the shared kernels of {@link QuantPanels} multiply: a batch always, a single sequence
 * unless the type has its own fused kernel (the types users run most: Q8_0, Q4_0, Q4_K, Q5_K,
 * Q6_K). Rows past the matrix's end pad the last panel with zero weights, scales and offsets.
 */
abstract class QuantMatrix extends PanelMatrix {
    /** Columns per unpacked chunk (L1/L2-resident; 256 measured best of 64, 128, 256 at batches 16-64). Unpacking works on 32-column pieces. */
    static final int CHUNK = 256;
    /** Panels of the generic single-sequence kernel. */
    static final int GENERIC_GROUP = 4;

    /** Columns per sub-block: 16 or 32. */
    protected final int sub;
    /** Sub-blocks per row. */
    protected final int subsPerRow;
    /** Whether the type has offsets. */
    protected final boolean hasOffsets;

    protected QuantMatrix(String name, int rows, int cols, int group, int sub, boolean hasOffsets) {
        super(name, rows, cols, group);
        if (cols % 32 != 0 || (sub != 16 && sub != 32)) {
            throw new IllegalArgumentException(name + ": " + cols + " columns, sub-blocks of " + sub);
        }
        this.sub = sub;
        this.subsPerRow = cols / sub;
        this.hasOffsets = hasOffsets;
    }

    /** Row r's integer at column c as the kernels convert it, by plain scalar code. */
    protected abstract int quant(int r, int c);

    /** Row r's scale of sub-block j, by plain scalar code. */
    protected abstract float scale(int r, int j);

    /** Row r's offset of sub-block j (0 for types without offsets), by plain scalar code. */
    protected float offset(int r, int j) {
        return 0f;
    }

    /**
     * Panel p's columns {@code [c0, c1)} (multiples of 32) as floats: integers at
     * {@code q[qo + (c - c0)*P + lane]}, scales of the sub-blocks from {@code c0/sub} at
     * {@code s[so + (j - c0/sub)*P + lane]}, offsets likewise in {@code o} (types with offsets).
     */
    protected abstract void unpack(int p, int c0, int c1, float[] q, int qo, float[] s, float[] o, int so);

    @Override
    final int activationSums() {
        return hasOffsets ? sub : 0;
    }

    /**
     * The weight as the format's own formula computes it in float (the token embedding is read
     * this way): {@code q * s + o}, or {@code q * s} without offsets. Types whose formula is
     * {@code (n - k) * s} override it, so even the sign of a zero weight is ggml's.
     */
    @Override
    protected float scalarWeight(int r, int c) {
        float w = quant(r, c) * scale(r, c / sub);
        return hasOffsets ? w + offset(r, c / sub) : w;
    }

    /** The fp16 scale at {@code blocks[at], blocks[at+1]} of row r's block blk; infinite or NaN scales are refused. */
    protected final float fileScale(byte[] blocks, int at, int r, int blk) {
        short bits = (short) ((blocks[at] & 0xFF) | blocks[at + 1] << 8);
        if ((bits & 0x7C00) == 0x7C00) {
            throw new IllegalArgumentException(name + ": " + type() + " block " + blk + " of row " + r
                    + " has an infinite or NaN scale");
        }
        return Half.toFloat(bits);
    }

    /** The activation sums of row b's sub-blocks from column c0 on, and where they start; null without offsets. */
    protected final float[] sums(Activations a) {
        return hasOffsets ? a.sums(sub) : null;
    }

    protected final int sumsIndex(int b, int c0) {
        return b * subsPerRow + c0 / sub;
    }

    /** Generic: unpacks the group's chunks and runs {@link QuantPanels#panels4Times1}. Requires a group of 4. */
    @Override
    protected void panelGroupTimesOne(int p, Activations a, float[] res) {
        Arrays.fill(res, 0, GENERIC_GROUP * PANEL, 0f);
        float[] q = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, GENERIC_GROUP * CHUNK * PANEL);
        float[] s = ThreadBuffers.floats(ThreadBuffers.SCALES, GENERIC_GROUP * (CHUNK / 16) * PANEL);
        float[] o = ThreadBuffers.floats(ThreadBuffers.OFFSETS, GENERIC_GROUP * (CHUNK / 16) * PANEL);
        float[] xs = sums(a);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int c1 = Math.min(cols, c0 + CHUNK), n = c1 - c0, subs = n / sub;
            for (int i = 0; i < GENERIC_GROUP; i++) {
                unpack(p + i, c0, c1, q, i * n * PANEL, s, o, i * subs * PANEL);
            }
            QuantPanels.panels4Times1(q, 0, n * PANEL, s, o, 0, subs * PANEL, n, sub, a.x, c0, xs, sumsIndex(0, c0), res);
        }
    }

    @Override
    protected void panelTimesOne(int p, Activations a, float[] res) {
        Arrays.fill(res, 0, PANEL, 0f);
        float[] q = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, CHUNK * PANEL);
        float[] s = ThreadBuffers.floats(ThreadBuffers.SCALES, (CHUNK / 16) * PANEL);
        float[] o = ThreadBuffers.floats(ThreadBuffers.OFFSETS, (CHUNK / 16) * PANEL);
        float[] xs = sums(a);
        for (int c0 = 0; c0 < cols; c0 += CHUNK) {
            int c1 = Math.min(cols, c0 + CHUNK);
            unpack(p, c0, c1, q, 0, s, o, 0);
            QuantPanels.panelTimes1(q, 0, s, o, 0, c1 - c0, sub, a.x, c0, xs, sumsIndex(0, c0), res, 0);
        }
    }

    @Override
    protected final int chunkColumns() {
        return CHUNK;
    }

    /** Unpacks integers, scales and offsets of the chunk; {@link #pairTimesFour} reads the latter from this thread's scratch. */
    @Override
    protected final float[] floatChunk(int p, int n, int c0, int c1) {
        float[] q = ThreadBuffers.floats(ThreadBuffers.WEIGHTS, 2 * CHUNK * PANEL);
        float[] s = ThreadBuffers.floats(ThreadBuffers.SCALES, 2 * (CHUNK / 16) * PANEL);
        float[] o = ThreadBuffers.floats(ThreadBuffers.OFFSETS, 2 * (CHUNK / 16) * PANEL);
        int subs = (c1 - c0) / sub;
        for (int i = 0; i < n; i++) {
            unpack(p + i, c0, c1, q, i * (c1 - c0) * PANEL, s, o, i * subs * PANEL);
        }
        return q;
    }

    @Override
    protected final int chunkIndex(int p, int i, int c0, int c1) {
        return i * (c1 - c0) * PANEL;
    }

    @Override
    protected final void pairTimesFour(float[] w, int w0, int w1, int p, int c0, int c1, Activations a, int b,
                                       float[] acc, int ao) {
        int subs = (c1 - c0) / sub;
        QuantPanels.panels2Times4(w, w0, w1, ThreadBuffers.floats(ThreadBuffers.SCALES, 0),
                ThreadBuffers.floats(ThreadBuffers.OFFSETS, 0), 0, subs * PANEL, c1 - c0, sub,
                a.x, b * cols + c0, cols, sums(a), sumsIndex(b, c0), subsPerRow, acc, ao);
    }

    @Override
    protected final void panelTimesRow(float[] w, int w0, int p, int c0, int c1, Activations a, int b,
                                       float[] acc, int ao) {
        int n = c1 - c0, so = w0 / (n * PANEL) * (n / sub) * PANEL; // panel i of the chunk starts at i * n * P
        QuantPanels.panelTimes1(w, w0, ThreadBuffers.floats(ThreadBuffers.SCALES, 0),
                ThreadBuffers.floats(ThreadBuffers.OFFSETS, 0), so, c1 - c0, sub,
                a.x, b * cols + c0, sums(a), sumsIndex(b, c0), acc, ao);
    }
}
