package io.sparkllama.cli;

import java.io.PrintStream;
import java.util.Set;

/** A subcommand of {@code scripts/llama}. */
interface Command {
    /** Options that take a value. */
    Set<String> valued();

    /** Options without a value. */
    Set<String> flags();

    /** Usage text. */
    String usage();

    /**
     * Runs with parsed options; machine-readable results go to {@code out}, human summaries to
     * {@code err}. Returns the exit status.
     */
    int run(Options o, PrintStream out, PrintStream err) throws Exception;
}
