package io.sparkllama.spark;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints the rows of a dataset (a job's Parquet output, or any input {@link JobInput} reads), so
 * results can be looked at without pyarrow or spark-shell ({@code jobs/show.sh}):
 *
 * <pre>ShowJob PATH [--limit N] [--columns a,b] [--where SQL] [--width N] [--json]</pre>
 *
 * The rows go to stdout as an aligned text table, each cell on one line (newlines shown as
 * {@code \n}) and cut with an ellipsis at {@code --width} characters (60), or with {@code --json}
 * as one JSON object per row; messages go to stderr. Exit status: 0, 1 for a missing path or a
 * bad column or filter (one line on stderr), 2 for bad usage.
 */
public final class ShowJob {
    static final String USAGE = "usage: jobs/show.sh PATH [--limit N] [--columns a,b] [--where SQL] [--width N] [--json]";

    private ShowJob() {
    }

    /** Starts a local session, prints the rows and exits with {@link #run}'s status. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int status;
        ShowOptions options;
        try {
            options = ShowOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("spark-llama show").getOrCreate();
        try {
            status = run(spark, options, out, err);
        } finally {
            out.flush();
            spark.stop();
        }
        System.exit(status);
    }

    /** Parses {@code args} and prints the rows in {@code spark}; returns the exit status. */
    public static int run(SparkSession spark, String[] args, PrintStream out, PrintStream err) {
        try {
            return run(spark, ShowOptions.parse(args), out, err);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
    }

    private static int run(SparkSession spark, ShowOptions o, PrintStream out, PrintStream err) {
        try {
            Dataset<Row> rows = JobInput.read(spark, o.path(), null);
            if (o.where() != null) {
                rows = rows.where(o.where());
            }
            if (o.columns() != null) {
                rows = rows.select(o.columns().stream().map(rows::col).toArray(Column[]::new));
            }
            List<Row> shown = rows.limit(o.limit()).collectAsList();
            String[] names = rows.columns();
            CellText.print(out, names, shown, o.width(), o.json());
            err.println(shown.size() + (shown.size() == 1 ? " row" : " rows") + " shown" + (shown.size() == o.limit()
                    ? " (--limit " + o.limit() + ")" : ""));
            out.flush();
            return 0;
        } catch (IllegalArgumentException | IOException e) {
            err.println("error: " + oneLine(e.getMessage()));
            return 1;
        } catch (Exception e) {
            if (e instanceof org.apache.spark.sql.AnalysisException a) { // an unknown column, a bad --where
                err.println("error: " + oneLine(a.getSimpleMessage()));
                return 1;
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private static String oneLine(String s) {
        String first = s == null ? "" : s.strip().lines().findFirst().orElse("");
        return first.length() > 500 ? first.substring(0, 500) + "…" : first;
    }

    /** The command line of {@link ShowJob}. */
    record ShowOptions(String path, int limit, List<String> columns, String where, int width, boolean json) {
        static ShowOptions parse(String[] args) {
            String path = null, where = null;
            int limit = 20, width = 60;
            List<String> columns = null;
            boolean json = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = true;
                    case "--limit" -> limit = positive("--limit", value(args, ++i, "--limit"));
                    case "--width" -> width = Math.max(2, positive("--width", value(args, ++i, "--width")));
                    case "--where" -> where = value(args, ++i, "--where");
                    case "--columns" -> columns = new ArrayList<>(Arrays.stream(value(args, ++i, "--columns").split(","))
                            .map(String::strip).filter(s -> !s.isEmpty()).toList());
                    default -> {
                        if (args[i].startsWith("--") || path != null) {
                            throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
                        }
                        path = args[i];
                    }
                }
            }
            if (path == null) {
                throw new IllegalArgumentException("no PATH given");
            }
            return new ShowOptions(path, limit, columns, where, width, json);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int positive(String option, String v) {
            try {
                int n = Integer.parseInt(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException(option + " must be a positive integer, is '" + v + "'");
        }
    }
}
