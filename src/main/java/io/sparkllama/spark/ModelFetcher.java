package io.sparkllama.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Turns a model location into a local file. Local locations are resolved by
 * {@link ModelLocations#local}; a remote one (hdfs:, s3a:, abfs:, ...) is copied once through
 * Hadoop's FileSystem into a cache directory and reused by later engines and executors of the node.
 *
 * <p>A copy is keyed by the location, size, modification time and (where the file system gives
 * one) the remote checksum, so a changed file is fetched again. It is written beside its target,
 * checked against the remote size, and moved into place atomically with a sidecar holding its
 * length and CRC32C, so concurrent tasks and executors never see a partial file. A cached copy
 * is used only when its size and CRC32C still match the sidecar; otherwise it is fetched again.
 */
final class ModelFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFetcher.class);
    private static final int BUFFER = 1 << 20;

    private ModelFetcher() {
    }

    static Path localPath(String location, Configuration hadoop, Path cacheDir) throws IOException {
        if (!ModelLocations.isRemote(location)) {
            return ModelLocations.local(location);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(URI.create(location.replace(" ", "%20")));
        FileSystem fs = remote.getFileSystem(hadoop);
        FileStatus status = fs.getFileStatus(remote);
        FileChecksum remoteSum = remoteChecksum(fs, remote);
        String key = sha256(location + "\n" + status.getLen() + "\n" + status.getModificationTime() + "\n"
                + (remoteSum == null ? "" : remoteSum.getAlgorithmName() + ":" + HexFormat.of().formatHex(remoteSum.getBytes())));
        Path target = cacheDir.resolve(key.substring(0, 16)).resolve(remote.getName());
        Path sidecar = target.resolveSibling(target.getFileName() + ".crc32c");
        if (Files.isRegularFile(target)) {
            String problem = verify(target, sidecar, status.getLen());
            if (problem == null) {
                LOG.info("spark-llama: using the cached copy {} of {}", target, location);
                return target;
            }
            LOG.warn("spark-llama: the cached copy {} of {} {}; copying it again", target, location, problem);
        }
        return copy(fs, remote, location, status.getLen(), target, sidecar);
    }

    /** Copies the remote file next to {@code target}, checks its length, then moves sidecar and file into place. */
    private static Path copy(FileSystem fs, org.apache.hadoop.fs.Path remote, String location, long length, Path target,
                             Path sidecar) throws IOException {
        Files.createDirectories(target.getParent());
        Path part = Files.createTempFile(target.getParent(), remote.getName(), ".part");
        Path sidecarPart = Files.createTempFile(target.getParent(), remote.getName(), ".crc32c.part");
        long t0 = System.nanoTime();
        try {
            CRC32C crc = new CRC32C();
            long copied;
            try (InputStream in = fs.open(remote); OutputStream out = Files.newOutputStream(part)) {
                copied = transfer(in, out, crc);
            }
            if (copied != length) {
                throw new IOException(String.format(Locale.ROOT, "%s: copied %,d bytes but the file is %,d bytes; "
                        + "the transfer was cut short or the file changed while it was read", location, copied, length));
            }
            Files.writeString(sidecarPart, sidecarText(length, crc.getValue()));
            Files.move(sidecarPart, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
            Files.deleteIfExists(sidecarPart);
        }
        LOG.info("spark-llama: copied {} ({} MB) to {} in {} ms", location, length >> 20, target,
                (System.nanoTime() - t0) / 1_000_000);
        return target;
    }

    /** Why a cached copy can't be used, or null when its size and CRC32C match its sidecar. */
    static String verify(Path copy, Path sidecar, long length) throws IOException {
        long size = Files.size(copy);
        if (size != length) {
            return String.format(Locale.ROOT, "is %,d bytes, not %,d", size, length);
        }
        if (!Files.isRegularFile(sidecar)) {
            return "has no checksum file " + sidecar.getFileName();
        }
        String expected = Files.readString(sidecar);
        String actual = sidecarText(length, crc32c(copy));
        return expected.equals(actual) ? null : "does not match its checksum (" + expected.strip() + ", read " + actual.strip() + ")";
    }

    private static String sidecarText(long length, long crc) {
        return String.format(Locale.ROOT, "length=%d crc32c=%08x%n", length, crc);
    }

    private static long crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        try (InputStream in = Files.newInputStream(file)) {
            transfer(in, OutputStream.nullOutputStream(), crc);
        }
        return crc.getValue();
    }

    /** Copies {@code in} to {@code out} in large reads, adding every byte to {@code crc}; returns the bytes copied. */
    private static long transfer(InputStream in, OutputStream out, CRC32C crc) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long copied = 0;
        for (int n; (n = in.read(buffer)) > 0; copied += n) {
            crc.update(buffer, 0, n);
            out.write(buffer, 0, n);
        }
        return copied;
    }

    /** The file system's checksum of the whole file (HDFS: MD5 of block CRCs), or null where it has none. */
    private static FileChecksum remoteChecksum(FileSystem fs, org.apache.hadoop.fs.Path remote) {
        try {
            return fs.getFileChecksum(remote);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("spark-llama: no checksum for {}: {}", remote, e.toString());
            return null;
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
