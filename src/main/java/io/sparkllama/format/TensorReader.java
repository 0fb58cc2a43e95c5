package io.sparkllama.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads one tensor's bytes from a file into the typed arrays of a {@link TensorData}, in
 * bounded chunks so that loading never needs a second copy of the whole tensor.
 */
final class TensorReader {
    private static final int CHUNK = 1 << 23;
    /** Largest element count a single Java array (and so one tensor here) can hold. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 64;

    private TensorReader() {
    }

    static TensorData read(FileInput in, TensorInfo t) throws ModelFormatException {
        if (!t.type().supported) {
            throw in.error("tensor " + t.name() + " has type " + t.type()
                    + ", which is not supported (supported: " + GgmlType.supportedNames() + ")");
        }
        long n = t.elements();
        if (n > MAX_ELEMENTS || t.bytes() > MAX_ELEMENTS || t.rows() > Integer.MAX_VALUE || t.cols() > Integer.MAX_VALUE) {
            throw in.error("tensor " + t.name() + " has " + n + " elements, more than one Java array holds ("
                    + MAX_ELEMENTS + ")");
        }
        int rows = (int) t.rows();
        int cols = (int) t.cols();
        switch (t.type()) {
            case F32: {
                float[] v = new float[(int) n];
                chunks(in, t, 4, (buf, start, count) -> buf.asFloatBuffer().get(v, start, count));
                return TensorData.ofF32(t.name(), rows, cols, v);
            }
            case F16:
            case BF16: {
                short[] v = new short[(int) n];
                chunks(in, t, 2, (buf, start, count) -> buf.asShortBuffer().get(v, start, count));
                return TensorData.of16(t.name(), t.type(), rows, cols, v);
            }
            default: {
                // straight into the array, in chunks: the channel reads a heap buffer through a
                // temporary direct buffer of the same size
                byte[] blocks = new byte[(int) t.bytes()];
                for (int done = 0; done < blocks.length; done += CHUNK) {
                    in.readAt(t.offset() + done, ByteBuffer.wrap(blocks, done, Math.min(CHUNK, blocks.length - done)),
                            "tensor " + t.name());
                }
                return TensorData.ofBlocks(t.name(), t.type(), rows, cols, blocks);
            }
        }
    }

    private interface ChunkSink {
        /** Consumes {@code count} units (elements or blocks) starting at unit index {@code start}. */
        void accept(ByteBuffer buf, int start, int count);
    }

    /** Streams the tensor in whole units of {@code unitBytes}. */
    private static void chunks(FileInput in, TensorInfo t, int unitBytes, ChunkSink sink) throws ModelFormatException {
        long units = t.bytes() / unitBytes;
        int perChunk = Math.max(1, CHUNK / unitBytes);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(units, perChunk) * unitBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < units; ) {
            int count = (int) Math.min(perChunk, units - done);
            buf.clear().limit(count * unitBytes);
            in.readAt(t.offset() + done * unitBytes, buf, "tensor " + t.name());
            buf.flip();
            sink.accept(buf, (int) done, count);
            done += count;
        }
    }
}
