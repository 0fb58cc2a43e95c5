package io.sparkllama.spark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A spark-llama job's driver in its own JVM (so a test can kill it): the job's main class run with
 * this JVM's classpath and module flags; stdout and stderr are collected line by line and
 * copied to a log file.
 */
final class DriverProcess {
    private final Process process;
    private final List<String> out = new CopyOnWriteArrayList<>();
    private final List<String> err = new CopyOnWriteArrayList<>();
    private final long startNanos = System.nanoTime();
    private final Thread outReader;
    private final Thread errReader;

    private DriverProcess(Process process, Path log) {
        this.process = process;
        outReader = collect(process.getInputStream(), out, null);
        errReader = collect(process.getErrorStream(), err, log);
    }

    /** The test classpath (surefire's, not its manifest-only booter jar). */
    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** Starts {@code mainClass} with {@code args}; its stderr is copied to {@code log}. */
    static DriverProcess start(String mainClass, List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("--enable-native-access") || a.startsWith("--sun-misc")
                    || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || a.startsWith("-Dio.netty")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.add("-Dlog4j2.configurationFile=" + Path.of("conf", "log4j2.properties").toAbsolutePath());
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Files.createDirectories(log.getParent());
        return new DriverProcess(pb.start(), log);
    }

    private static Thread collect(InputStream in, List<String> lines, Path log) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    if (log != null) {
                        Files.writeString(log, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.APPEND);
                    }
                }
            } catch (IOException e) {
                // the process died; what was read is kept
            }
        }, "driver-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until a stderr line matches, the process ends, or the timeout passes; true if a line matched. */
    boolean awaitLine(Predicate<String> match, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int seen = 0;
        while (System.nanoTime() < deadline) {
            for (; seen < err.size(); seen++) {
                if (match.test(err.get(seen))) {
                    return true;
                }
            }
            if (!process.isAlive() && seen >= err.size()) {
                Thread.sleep(200); // let the reader threads drain
                if (seen >= err.size()) {
                    return false;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }

    /** Waits for the process to exit and returns its status. */
    int waitFor(long timeoutSeconds) throws InterruptedException {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("driver did not finish within " + timeoutSeconds + " s; stderr tail:\n" + tail());
        }
        outReader.join(10_000); // the last lines, read to the end of the streams
        errReader.join(10_000);
        return process.exitValue();
    }

    /** kill -9 of the driver JVM. */
    void kill9() throws IOException, InterruptedException {
        Kill.nine(process.pid());
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM to the driver JVM, as {@code kill PID} or a scheduler stopping it would send (not
     * {@link Process#destroy()}, which also closes the pipes, losing what the driver prints next).
     */
    void terminate() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("kill -TERM " + process.pid() + " failed");
        }
    }

    /** Every stderr line so far. */
    List<String> stderr() {
        return new ArrayList<>(err);
    }

    double seconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    List<String> stdout() {
        return out;
    }

    /** The last lines of stderr, for failure messages. */
    String tail() {
        List<String> e = new ArrayList<>(err);
        return String.join("\n", e.subList(Math.max(0, e.size() - 40), e.size()));
    }

    /** {@code kill -9 PID}, as an operator (or the kernel's OOM killer) would. */
    static final class Kill {
        private Kill() {
        }

        static void nine(long pid) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("kill", "-9", Long.toString(pid)).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("kill -9 " + pid + " failed");
            }
        }
    }
}
