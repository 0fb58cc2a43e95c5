package io.sparkllama.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Small helpers shared by commands. */
final class Cli {
    private Cli() {
    }

    /** The path of a required file option, checked to exist. */
    static Path requireFile(Options o, String name) {
        Path p = Path.of(o.require(name));
        checkFile(name, p);
        return p;
    }

    /** The path of an optional file option, checked to exist when given. */
    static Path optionalFile(Options o, String name) {
        Path p = o.path(name);
        if (p != null) {
            checkFile(name, p);
        }
        return p;
    }

    /** --top-p in (0, 1], default 0.9. */
    static float topP(Options o) {
        float p = o.floatValue("top-p", 0.9f, 0f, 1f);
        if (p == 0f) {
            throw new UsageException("--top-p must be greater than 0 (use --temperature 0 for greedy decoding)");
        }
        return p;
    }

    private static void checkFile(String option, Path p) {
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(p + ": no such file (--" + option + ")");
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(p + ": not a regular file (--" + option + ")");
        }
    }
}
