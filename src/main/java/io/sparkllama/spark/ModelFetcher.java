package io.sparkllama.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Turns a model location into a local file. Local paths and {@code file:} URIs are used in
 * place; anything else (hdfs:, s3a:, abfs:, ...) is copied once through Hadoop's FileSystem into
 * a cache directory, keyed by the location, size and modification time, and moved into place
 * atomically so concurrent tasks and executors never see a partial file.
 */
final class ModelFetcher {
    private ModelFetcher() {
    }

    static Path localPath(String location, Configuration hadoop, Path cacheDir) throws IOException {
        URI uri = URI.create(location.replace(" ", "%20"));
        String scheme = uri.getScheme();
        if (scheme == null || scheme.length() == 1) { // no scheme, or a Windows drive letter
            return Path.of(location);
        }
        if (scheme.equals("file")) {
            return Path.of(uri);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = remote.getFileSystem(hadoop);
        FileStatus status = fs.getFileStatus(remote);
        String key = sha256(location + "\n" + status.getLen() + "\n" + status.getModificationTime());
        Path target = cacheDir.resolve(key.substring(0, 16)).resolve(remote.getName());
        if (Files.isRegularFile(target) && Files.size(target) == status.getLen()) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path part = Files.createTempFile(target.getParent(), remote.getName(), ".part");
        try (InputStream in = fs.open(remote)) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
        return target;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
