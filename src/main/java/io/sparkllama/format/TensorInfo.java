package io.sparkllama.format;

import java.util.Arrays;

/**
 * Where a tensor lives in its file and what it holds.
 *
 * @param name   tensor name in GGUF convention, e.g. {@code blk.0.attn_q.weight}
 * @param type   element type
 * @param dims   dimensions in ggml order, innermost (contiguous) first: a matrix is {@code [cols, rows]}
 * @param offset absolute byte offset of the data in the file
 */
public record TensorInfo(String name, GgmlType type, long[] dims, long offset) {

    /** Number of elements. Dimensions are validated on read, so this cannot overflow. */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Bytes of data. */
    public long bytes() {
        return type.bytesFor(elements());
    }

    /** Length of the innermost dimension (a matrix's row length). */
    public long cols() {
        return dims.length == 0 ? 1 : dims[0];
    }

    /** Product of all but the innermost dimension (a matrix's row count). */
    public long rows() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Shape as printed in messages, ggml order. */
    public String shape() {
        return Arrays.toString(dims);
    }
}
