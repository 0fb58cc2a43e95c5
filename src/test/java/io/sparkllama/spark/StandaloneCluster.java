package io.sparkllama.spark;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster (a master and two one-core workers on 127.0.0.1) started with
 * {@code scripts/local-cluster.sh} on free ports, in its own directory, on this JVM's JDK and
 * classpath; stopped (by PID) on close.
 */
final class StandaloneCluster implements AutoCloseable {
    private final Path dir;
    private final int masterPort;

    private StandaloneCluster(Path dir, int masterPort) {
        this.dir = dir;
        this.masterPort = masterPort;
    }

    /** Starts the cluster; its logs, PIDs and work directories go under {@code dir}. */
    static StandaloneCluster start(Path dir) throws IOException, InterruptedException {
        StandaloneCluster c = new StandaloneCluster(dir, freePort());
        try {
            c.script("start", 180);
        } catch (IOException | RuntimeException e) {
            c.close(); // stop whatever did start
            throw e;
        }
        return c;
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    Path dir() {
        return dir;
    }

    /**
     * The executor JVMs running under worker {@code w} (1 or 2) right now. Read from
     * {@code /proc/PID/cmdline}: {@code ProcessHandle.Info.commandLine()} cuts long command lines
     * (an executor's classpath is tens of kilobytes) before the main class.
     */
    List<ProcessHandle> executors(int w) throws IOException {
        long pid = Long.parseLong(Files.readString(dir.resolve("worker" + w + ".pid")).trim());
        return ProcessHandle.of(pid).map(p -> p.descendants()
                .filter(c -> commandLine(c).contains("org.apache.spark.executor.CoarseGrainedExecutorBackend")).toList())
                .orElse(List.of());
    }

    private static String commandLine(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return ""; // the process ended
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script("stop", 60);
    }

    private void script(String command, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("scripts", "local-cluster.sh").toString(), command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("local-cluster-" + command + ".out").toFile());
        Files.createDirectories(dir);
        Map<String, String> env = pb.environment();
        env.put("CLUSTER_DIR", dir.toAbsolutePath().toString());
        env.put("MASTER_PORT", String.valueOf(masterPort));
        env.put("WEBUI_PORT", String.valueOf(freePort()));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SPARK_CLASSPATH", DriverProcess.classpath());
        env.put("WORKER_MEMORY", "1536m");
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("local-cluster.sh " + command + " did not finish in " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("local-cluster.sh " + command + " failed: "
                    + Files.readString(dir.resolve("local-cluster-" + command + ".out"), StandardCharsets.UTF_8));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
