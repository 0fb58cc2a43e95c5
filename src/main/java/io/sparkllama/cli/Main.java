package io.sparkllama.cli;

import io.sparkllama.format.ModelFormatException;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry point of {@code scripts/llama}. Results go to stdout, statistics and messages to
 * stderr. Errors print one line naming the file or option and what is wrong (exit 1 for bad
 * input files, 2 for bad usage); {@code --verbose} adds the stack trace.
 */
public final class Main {
    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("generate", new GenerateCommand());
        COMMANDS.put("tokenize", new TokenizeCommand());
        COMMANDS.put("template", new TemplateCommand());
        COMMANDS.put("bench", new BenchCommand());
        COMMANDS.put("score", new ScoreCommand());
        COMMANDS.put("choose", new ChooseCommand());
        COMMANDS.put("bench-label", new BenchLabelCommand());
        COMMANDS.put("inspect", new InspectCommand());
        COMMANDS.put("machine", new MachineCommand());
        COMMANDS.put("bench-tokenizer", new BenchTokenizerCommand());
    }

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status = run(args, out, err);
        out.flush();
        System.exit(status);
    }

    /** Runs a command line; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean verbose = rest.remove("--verbose");
        try {
            if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("help")) {
                (rest.isEmpty() ? err : out).print(usage());
                return rest.isEmpty() ? 2 : 0;
            }
            String name = rest.remove(0);
            Command cmd = COMMANDS.get(name);
            if (cmd == null) {
                throw new UsageException("unknown command '" + name + "' (commands: " + String.join(", ", COMMANDS.keySet()) + ")");
            }
            if (rest.contains("--help")) {
                out.print(cmd.usage());
                return 0;
            }
            Options o = Options.parse(name, rest, cmd.valued(), cmd.flags());
            return cmd.run(o, out, err);
        } catch (UsageException e) {
            return fail(err, e, verbose, 2);
        } catch (ModelFormatException | IllegalArgumentException e) {
            return fail(err, e, verbose, 1);
        } catch (IOException e) {
            return fail(err, e, verbose, 1);
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (" + e.getMessage() + "); raise the heap with JAVA_OPTS=-Xmx...");
            return 1;
        } catch (Exception e) {
            return fail(err, e, verbose, 1);
        } finally {
            out.flush();
        }
    }

    private static int fail(PrintStream err, Throwable e, boolean verbose, int status) {
        String msg = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        err.println("error: " + msg.replace('\n', ' '));
        if (verbose) {
            e.printStackTrace(err);
        }
        return status;
    }

    static String usage() {
        StringBuilder b = new StringBuilder("usage: llama COMMAND [options] [--verbose]\n\ncommands:\n");
        for (Command c : COMMANDS.values()) {
            b.append(c.usage().lines().findFirst().orElse("")).append('\n');
        }
        return b.append("\n'llama COMMAND --help' describes a command's options.\n").toString();
    }
}
