package io.sparkllama.spark;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Remote models are copied once into the cache, verified by size and CRC32C, and fetched again when bad or changed. */
class ModelFetcherTest {
    @TempDir
    Path dir;

    private Path source;
    private Path cache;
    private final Configuration hadoop = new Configuration(false);

    @BeforeEach
    void setUp() throws IOException {
        hadoop.set("fs." + RemoteTestFileSystem.SCHEME + ".impl", RemoteTestFileSystem.class.getName());
        hadoop.setBoolean("fs." + RemoteTestFileSystem.SCHEME + ".impl.disable.cache", true);
        source = dir.resolve("remote").resolve("model.gguf");
        Files.createDirectories(source.getParent());
        byte[] bytes = new byte[3 << 20 | 12345];
        new Random(7).nextBytes(bytes);
        Files.write(source, bytes);
        cache = dir.resolve("cache");
        RemoteTestFileSystem.OPENS.set(0);
        RemoteTestFileSystem.cutAfter = 0;
    }

    @AfterEach
    void tearDown() {
        RemoteTestFileSystem.cutAfter = 0;
    }

    private String location() {
        return RemoteTestFileSystem.SCHEME + "://" + source.toAbsolutePath();
    }

    private Path fetch() throws IOException {
        return ModelFetcher.localPath(location(), hadoop, cache);
    }

    @Test
    void copiesOnceAndReusesTheVerifiedCopy() throws IOException {
        Path first = fetch();
        assertTrue(first.startsWith(cache), first.toString());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(first));
        assertTrue(Files.readString(first.resolveSibling("model.gguf.crc32c")).startsWith("length=" + Files.size(source) + " crc32c="));
        Path second = fetch();
        assertEquals(first, second);
        assertEquals(1, RemoteTestFileSystem.OPENS.get(), "the second fetch reads the cached copy, not the remote file");
        try (var files = Files.list(first.getParent())) {
            assertEquals(2, files.count(), "only the copy and its checksum, no partial files");
        }
    }

    @Test
    void aCorruptedCopyOfTheSameSizeIsFetchedAgain() throws IOException {
        Path copy = fetch();
        byte[] bytes = Files.readAllBytes(copy);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(copy, bytes);
        assertEquals(copy, fetch());
        assertEquals(2, RemoteTestFileSystem.OPENS.get());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(copy));
    }

    @Test
    void aTruncatedCopyOrAMissingChecksumIsFetchedAgain() throws IOException {
        Path copy = fetch();
        Files.write(copy, new byte[100]);
        fetch();
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(copy));
        Files.delete(copy.resolveSibling("model.gguf.crc32c"));
        fetch();
        assertEquals(3, RemoteTestFileSystem.OPENS.get());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(copy));
    }

    @Test
    void aChangedRemoteFileGetsItsOwnCopy() throws IOException {
        Path before = fetch();
        byte[] changed = Files.readAllBytes(source);
        changed[0] ^= 1;
        Files.write(source, changed);
        Files.setLastModifiedTime(source, FileTime.fromMillis(Files.getLastModifiedTime(source).toMillis() + 10_000));
        Path after = fetch();
        assertNotEquals(before, after);
        assertArrayEquals(changed, Files.readAllBytes(after));
    }

    @Test
    void aTransferCutShortFailsNamingTheFileAndLeavesNothingBehind() throws IOException {
        RemoteTestFileSystem.cutAfter = 1 << 20;
        IOException e = assertThrows(IOException.class, this::fetch);
        assertTrue(e.getMessage().startsWith(location() + ": copied 1,048,576 bytes but the file is "), e.getMessage());
        try (var files = Files.walk(cache)) {
            assertEquals(0, files.filter(Files::isRegularFile).count(), "no partial file or checksum is left");
        }
        RemoteTestFileSystem.cutAfter = 0;
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(fetch()), "the next fetch copies it whole");
    }

    @Test
    void localLocationsAreUsedInPlace() throws IOException {
        assertEquals(source, ModelFetcher.localPath(source.toString(), hadoop, cache));
        assertEquals(source, ModelFetcher.localPath(source.toUri().toString(), hadoop, cache));
        assertEquals(0, RemoteTestFileSystem.OPENS.get());
        IOException e = assertThrows(IOException.class, () -> ModelFetcher.localPath("no-such-model.gguf", hadoop, cache));
        assertTrue(e.getMessage().startsWith("no-such-model.gguf: no such file in "), e.getMessage());
    }
}
