package io.sparkllama.spark;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local file system under the scheme {@code remotetest:}, so the model fetcher treats it as
 * remote. Counts the files it opens and can cut every read short, like a broken transfer.
 */
public class RemoteTestFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "remotetest";
    static final AtomicInteger OPENS = new AtomicInteger();
    /** When positive, every opened stream ends after this many bytes. */
    static volatile long cutAfter;

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        OPENS.incrementAndGet();
        FSDataInputStream in = super.open(f, bufferSize);
        long limit = cutAfter;
        return limit <= 0 ? in : new FSDataInputStream(new CutStream(in, limit));
    }

    /** Seekable and positioned-readable, as FSDataInputStream requires, ending after {@code limit} bytes. */
    private static final class CutStream extends InputStream implements org.apache.hadoop.fs.Seekable,
            org.apache.hadoop.fs.PositionedReadable {
        private final FSDataInputStream in;
        private long left;

        CutStream(FSDataInputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            left--;
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        @Override
        public void seek(long pos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long getPos() throws IOException {
            return in.getPos();
        }

        @Override
        public boolean seekToNewSource(long targetPos) {
            return false;
        }

        @Override
        public int read(long position, byte[] buffer, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void readFully(long position, byte[] buffer, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void readFully(long position, byte[] buffer) {
            throw new UnsupportedOperationException();
        }
    }
}
