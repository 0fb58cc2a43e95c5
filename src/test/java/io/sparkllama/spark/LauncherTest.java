package io.sparkllama.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The job launchers (jobs/*.sh, scripts/run-job.sh, scripts/spark-submit) as a new user meets
 * them: --help, a master that is not there, relative paths given from another directory, and
 * spark.driver.memory. None of these starts Spark: the path tests run the launcher in a copy of
 * the project whose scripts/spark-submit only prints the command it is given.
 */
@Timeout(60)
class LauncherTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath();

    @TempDir
    Path dir;

    record Result(int status, String out, String err, double seconds) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }
    }

    private static Result run(Path cwd, Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher", ".out"), err = Files.createTempFile("launcher", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(50, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 50 s; stderr:\n" + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                (System.nanoTime() - t0) / 1e9);
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    @Test
    void helpPrintsUsageAndExitsZero() throws Exception {
        for (String job : List.of("generate", "label", "evaluate")) {
            Result r = run(dir, Map.of(), ROOT.resolve("jobs/" + job + ".sh").toString(), "--help");
            assertEquals(0, r.status(), job + ": " + r.err());
            assertTrue(r.out().contains("jobs/" + job + ".sh [--master URL] [--config FILE] [key=value ...]"), r.out());
            assertTrue(r.out().contains("--master URL") && r.out().contains("scripts/local-cluster.sh start"), r.out());
            assertTrue(r.out().contains("docs/CONFIGURATION.md"), r.out());
            assertEquals("", r.err(), "usage goes to stdout");
        }
    }

    @Test
    void aMasterThatDoesNotAnswerFailsAtOnceWithOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String url = "spark://127.0.0.1:" + port;
        Result r = run(dir, Map.of(), ROOT.resolve("jobs/generate.sh").toString(), "--master", url);
        assertNotEquals(0, r.status());
        assertTrue(r.seconds() < 10, "took " + r.seconds() + " s");
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains(url) && r.err().contains("scripts/local-cluster.sh start"), r.err());
    }

    /** A copy of the launcher scripts whose spark-submit prints its arguments, one a line, instead of running Spark. */
    private Path fakeProject() throws IOException {
        Path p = dir.resolve("project");
        for (String f : List.of("jobs/generate.sh", "scripts/run-job.sh", "scripts/lib/java.sh", "conf/generate.properties")) {
            Files.createDirectories(p.resolve(f).getParent());
            Files.copy(ROOT.resolve(f), p.resolve(f));
        }
        script(p.resolve("scripts/spark-submit"), "printf '%s\\n' \"$@\"");
        script(p.resolve("scripts/get-model.sh"), "echo \"get-model $1\" >&2");
        Files.createDirectories(p.resolve("sample-data/prompts.parquet"));
        Files.createDirectories(p.resolve("src/main"));
        Files.writeString(p.resolve("pom.xml"), "");
        Path jar = Files.createDirectories(p.resolve("target")).resolve("spark-llama.jar");
        Files.writeString(jar, "");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60))); // newer than the sources: no build
        return p;
    }

    private static void script(Path p, String body) throws IOException {
        Files.writeString(p, "#!/usr/bin/env bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void relativePathsAreTheCurrentDirectorysAndTheDefaultsTheProjects() throws Exception {
        Path project = fakeProject();
        Path work = Files.createDirectories(dir.resolve("work"));
        String launcher = project.resolve("jobs/generate.sh").toString();

        // the defaults: the project's config, sample data and model
        Result r = run(work, Map.of(), launcher, "llama.output=out1");
        assertEquals(0, r.status(), r.err());
        List<String> args = Arrays.asList(r.out().split("\n"));
        assertTrue(args.contains("llama.output=" + work.resolve("out1")), r.out());
        assertTrue(args.contains("llama.input=" + project.resolve("sample-data/prompts.parquet")), r.out());
        assertTrue(args.contains("llama.model=" + project.resolve("models/stories260K.gguf")), r.out());
        assertTrue(args.contains(project.resolve("conf/generate.properties").toString()), r.out());
        assertTrue(r.err().contains("get-model " + project.resolve("models/stories260K.gguf")), "the default model is fetched: " + r.err());

        // the user's config file and the relative paths in it: the current directory's
        Files.writeString(work.resolve("my.properties"), "llama.input=in.parquet\nllama.model=m.gguf\n");
        r = run(work, Map.of(), launcher, "--config", "my.properties", "llama.output=../out2", "spark.driver.memory=3g");
        assertEquals(0, r.status(), r.err());
        args = Arrays.asList(r.out().split("\n"));
        assertTrue(args.contains(work.resolve("my.properties").toString()), r.out());
        assertTrue(args.contains("llama.input=" + work.resolve("in.parquet")), r.out());
        assertTrue(args.contains("llama.model=" + work.resolve("m.gguf")), r.out());
        assertTrue(args.contains("llama.output=" + work.resolve("../out2")), r.out());
        assertFalse(r.err().contains("get-model"), r.err());
        int i = args.indexOf("--driver-memory");
        assertTrue(i >= 0 && args.get(i + 1).equals("3g"), "spark.driver.memory reaches spark-submit: " + r.out());

        r = run(work, Map.of(), launcher, "--config", "missing.properties");
        assertEquals(2, r.status());
        assertTrue(r.err().contains(work.resolve("missing.properties") + ": no such config file"), r.err());
    }

    @Test
    void clusterDaemonsDoNotKeepTheCallersDescriptors() throws Exception {
        // the caller holds a lock on fd 9 while starting the cluster (a master alone); once the
        // caller is gone, the lock must be free although the master still runs
        Path lock = dir.resolve("lock"), cluster = dir.resolve("cluster");
        int port, webui;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            port = a.getLocalPort();
            webui = b.getLocalPort();
        }
        Map<String, String> env = Map.of("CLUSTER_DIR", cluster.toString(), "WORKERS", "0", "MASTER_PORT", String.valueOf(port),
                "WEBUI_PORT", String.valueOf(webui), "JAVA_HOME", System.getProperty("java.home"),
                "SPARK_CLASSPATH", DriverProcess.classpath());
        String script = ROOT.resolve("scripts/local-cluster.sh").toString();
        try {
            Result r = run(dir, env, "bash", "-c", "exec 9>'" + lock + "' && flock 9 && '" + script + "' start");
            assertEquals(0, r.status(), r.err());
            assertEquals(0, run(dir, env, script, "status").status(), "the master runs");
            Result l = run(dir, Map.of(), "flock", "-n", lock.toString(), "true");
            assertEquals(0, l.status(), "the lock is free: the master did not inherit fd 9");
        } finally {
            run(dir, env, script, "stop");
        }
    }

    @Test
    void driverMemoryBecomesTheDriverJvmsHeap() throws Exception {
        // scripts/spark-submit with a java that prints its arguments: the heap flag it is given
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        script(bin.resolve("java"), "if [ \"$1\" = -version ]; then echo 'openjdk version \"17.0.9\"' >&2; exit 0; fi\n"
                + "printf '%s\\n' \"$@\"");
        Path project = dir.resolve("submit");
        for (String f : List.of("scripts/spark-submit", "scripts/lib/java.sh")) {
            Files.createDirectories(project.resolve(f).getParent());
            Files.copy(ROOT.resolve(f), project.resolve(f));
        }
        Files.writeString(project.resolve("pom.xml"), "");
        Path cp = Files.createDirectories(project.resolve("target")).resolve("spark-classpath.txt");
        Files.writeString(cp, "none.jar");
        Files.setLastModifiedTime(cp, FileTime.from(Instant.now().plusSeconds(60))); // else it resolves Spark's classpath with Maven
        List<String> seen = new ArrayList<>();
        for (String[] given : List.of(new String[] {"--driver-memory", "16g"}, new String[] {"--conf", "spark.driver.memory=2048"},
                new String[] {"--driver-memory=512M"})) {
            List<String> cmd = new ArrayList<>(List.of(project.resolve("scripts/spark-submit").toString(), "--master", "local[1]"));
            cmd.addAll(Arrays.asList(given));
            cmd.addAll(List.of("--class", "x.Y", "app.jar", "spark.driver.memory=1g"));
            Result r = run(dir, Map.of("JAVA_HOME", dir.resolve("jdk").toString(), "JAVA_OPTS", ""), cmd.toArray(String[]::new));
            assertEquals(0, r.status(), r.err());
            seen.add(Arrays.stream(r.out().split("\n")).filter(a -> a.startsWith("-Xmx")).reduce((a, b) -> b).orElse("none"));
        }
        assertEquals(List.of("-Xmx16g", "-Xmx2048m", "-Xmx512m"), seen);
    }
}
