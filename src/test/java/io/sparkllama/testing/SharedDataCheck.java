package io.sparkllama.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.nio.file.Path;

/**
 * Says once, before any test runs, that the shared test data is missing and what to do, so the
 * explanation comes first rather than inside the first of many failures (every test that reads
 * a model or a reference then fails with the same line).
 */
public final class SharedDataCheck implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (!Shared.present()) {
            String p = System.getProperty("shared.dir");
            Path d = p != null ? Path.of(p) : Path.of(System.getProperty("user.dir")).resolve("../shared").normalize();
            System.err.println("error: " + Shared.missing(d));
        }
    }
}
