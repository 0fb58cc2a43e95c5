package io.sparkllama.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Little-endian reader over a file that never reads past its end: every request is checked
 * against the file size first, so a truncated file or an absurd length fails with a
 * {@link ModelFormatException} instead of an allocation or a hang.
 */
final class FileInput implements AutoCloseable {
    private static final int WINDOW = 1 << 16;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final ByteBuffer window = ByteBuffer.allocate(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
    /** File offset of window[0]. */
    private long windowStart;

    private FileInput(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = channel.size();
        window.limit(0);
    }

    static FileInput open(Path path) throws ModelFormatException {
        try {
            return new FileInput(path, FileChannel.open(path, StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path, "no such file");
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot open: " + e.getMessage(), e);
        }
    }

    /** What reads a file's header into a {@link ModelFile}. */
    interface Parser {
        ModelFile parse(FileInput in) throws ModelFormatException;
    }

    /** Opens {@code path} and parses it; the file is closed again when parsing fails. */
    static ModelFile parse(Path path, Parser parser) throws ModelFormatException {
        FileInput in = open(path);
        try {
            return parser.parse(in);
        } catch (ModelFormatException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    long position() {
        return windowStart + window.position();
    }

    long remaining() {
        return size - position();
    }

    ModelFormatException error(String problem) {
        return new ModelFormatException(path, problem);
    }

    /** Moves to an absolute offset within the file. */
    void seek(long offset) throws ModelFormatException {
        if (offset < 0 || offset > size) {
            throw error("offset " + offset + " is outside the file (" + size + " bytes)");
        }
        if (offset >= windowStart && offset <= windowStart + window.limit()) {
            window.position((int) (offset - windowStart));
        } else {
            windowStart = offset;
            window.limit(0);
        }
    }

    /** Ensures {@code n} bytes (at most the window size) are buffered, failing at end of file. */
    private void need(int n, String what) throws ModelFormatException {
        if (remaining() < n) {
            throw error("truncated: needs " + n + " more bytes for " + what + " at offset " + position()
                    + ", file has " + size + " bytes");
        }
        if (window.remaining() >= n) {
            return;
        }
        long pos = position();
        window.clear();
        windowStart = pos;
        try {
            while (window.position() < n) {
                int r = channel.read(window, windowStart + window.position());
                if (r < 0) {
                    throw error("unexpected end of file at offset " + (windowStart + window.position()));
                }
            }
        } catch (IOException e) {
            throw new ModelFormatException(path, "read error at offset " + pos + ": " + e.getMessage(), e);
        }
        window.flip();
    }

    int u8(String what) throws ModelFormatException {
        need(1, what);
        return window.get() & 0xFF;
    }

    short i16(String what) throws ModelFormatException {
        need(2, what);
        return window.getShort();
    }

    int i32(String what) throws ModelFormatException {
        need(4, what);
        return window.getInt();
    }

    long u32(String what) throws ModelFormatException {
        return i32(what) & 0xFFFFFFFFL;
    }

    long i64(String what) throws ModelFormatException {
        need(8, what);
        return window.getLong();
    }

    float f32(String what) throws ModelFormatException {
        need(4, what);
        return window.getFloat();
    }

    double f64(String what) throws ModelFormatException {
        need(8, what);
        return window.getDouble();
    }

    /** Reads {@code n} bytes, after checking that the file holds them. */
    byte[] bytes(long n, String what) throws ModelFormatException {
        if (n < 0 || n > remaining()) {
            throw error("truncated or corrupt: " + what + " declares " + Long.toUnsignedString(n)
                    + " bytes at offset " + position() + ", but only " + remaining() + " remain");
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw error(what + " of " + n + " bytes is too large");
        }
        byte[] out = new byte[(int) n];
        int done = 0;
        while (done < out.length) {
            int chunk = Math.min(WINDOW, out.length - done);
            need(chunk, what);
            window.get(out, done, chunk);
            done += chunk;
        }
        return out;
    }

    String utf8(long n, String what) throws ModelFormatException {
        return new String(bytes(n, what), StandardCharsets.UTF_8);
    }

    /**
     * Reads {@code length} bytes at absolute {@code offset} straight from the file into
     * {@code dst}, starting at {@code dst.position()}. Used for bulk tensor data.
     */
    void readAt(long offset, ByteBuffer dst, String what) throws ModelFormatException {
        long end = offset + dst.remaining();
        if (offset < 0 || end > size) {
            throw error("truncated: " + what + " needs bytes " + offset + ".." + end + ", file has " + size);
        }
        try {
            long pos = offset;
            while (dst.hasRemaining()) {
                int r = channel.read(dst, pos);
                if (r < 0) {
                    throw error("unexpected end of file at offset " + pos + " reading " + what);
                }
                pos += r;
            }
        } catch (IOException e) {
            throw new ModelFormatException(path, "read error in " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a read-only channel cannot lose data
        }
    }
}
