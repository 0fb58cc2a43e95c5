package io.sparkllama.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a model or tokenizer location names, on the driver and on an executor.
 *
 * <ul>
 * <li>A Hadoop URI other than {@code file:} (hdfs:, s3a:, abfs:, ...) is remote: executors copy it
 *     into their local cache ({@link ModelFetcher}).</li>
 * <li>A {@code file:} URI or an absolute path is used in place.</li>
 * <li>A relative path that names a file shipped with the job ({@code spark-submit --files}, on YARN
 *     too, or {@code SparkContext.addFile}) is that file, wherever Spark put it: the executor's
 *     working directory on a cluster, Spark's files directory on the driver. Any other relative
 *     path is made absolute on the driver, so executors started in other directories of the same
 *     file system find it.</li>
 * </ul>
 */
final class ModelLocations {
    private ModelLocations() {
    }

    /** True for a location on a Hadoop file system other than the local one. */
    static boolean isRemote(String location) {
        String scheme = URI.create(location.replace(" ", "%20")).getScheme();
        return scheme != null && scheme.length() > 1 && !scheme.equals("file"); // one letter: a Windows drive
    }

    /**
     * The form of {@code location} that goes into the broadcast spec, decided on the driver: a
     * shipped file's name stays as it is, another relative path becomes absolute.
     */
    static String forExecutors(String location) {
        if (isRemote(location) || location.startsWith("file:") || Path.of(location).isAbsolute()) {
            return location;
        }
        SparkContext sc = activeContext();
        if (sc != null && shippedNames(sc).contains(location)) {
            return location;
        }
        return Path.of(location).toAbsolutePath().normalize().toString();
    }

    /**
     * The local file a non-remote location names in this JVM: a shipped file in Spark's files
     * directory, or else the path itself (relative to the working directory, where YARN and
     * executors put shipped files).
     */
    static Path local(String location) throws IOException {
        if (location.startsWith("file:")) {
            return Path.of(URI.create(location.replace(" ", "%20")));
        }
        Path path = Path.of(location);
        if (path.isAbsolute()) {
            return path;
        }
        if (SparkEnv.get() != null) {
            Path shipped = Path.of(SparkFiles.getRootDirectory()).resolve(location);
            if (Files.exists(shipped)) {
                return shipped;
            }
        }
        if (Files.exists(path)) {
            return path.toAbsolutePath();
        }
        throw new IOException(location + ": no such file in " + Path.of("").toAbsolutePath()
                + " nor among the files shipped with the job (spark-submit --files, SparkContext.addFile)");
    }

    private static SparkContext activeContext() {
        scala.Option<SparkSession> session = SparkSession.getActiveSession();
        if (session.isEmpty()) {
            session = SparkSession.getDefaultSession();
        }
        return session.isEmpty() || session.get().sparkContext().isStopped() ? null : session.get().sparkContext();
    }

    /** Names under which files were shipped with the job: Spark's file list and YARN's distributed files. */
    private static List<String> shippedNames(SparkContext sc) {
        List<String> names = new ArrayList<>();
        scala.collection.Iterator<String> added = sc.listFiles().iterator();
        while (added.hasNext()) {
            names.add(shippedName(added.next()));
        }
        SparkConf conf = sc.getConf();
        for (String key : new String[] {"spark.files", "spark.yarn.dist.files"}) {
            for (String entry : conf.get(key, "").split(",")) {
                if (!entry.isBlank()) {
                    names.add(shippedName(entry.trim()));
                }
            }
        }
        return names;
    }

    /** The name a shipped file gets: its {@code #alias} (YARN), else its last path segment. */
    static String shippedName(String entry) {
        int hash = entry.lastIndexOf('#');
        if (hash >= 0) {
            return entry.substring(hash + 1);
        }
        String path = entry.endsWith("/") ? entry.substring(0, entry.length() - 1) : entry;
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
