package io.sparkllama.sql;

import io.sparkllama.spark.CellText;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one SQL query in a session with the llama_* functions ({@code jobs/sql.sh}):
 *
 * <pre>SqlJob --query SQL [--output PATH] [--json] [--width N] [key=value ...]</pre>
 *
 * The result goes to stdout as an aligned table (cells cut at {@code --width} characters, 60), as
 * JSON lines with {@code --json}, or to Parquet at {@code --output} (which must not exist yet).
 * {@code spark.*} keys configure the session; {@code llama.<key>=v} is short for
 * {@code spark.llama.<key>=v}, the default of the functions' option {@code <key>}. Exit status: 0,
 * 1 for a query that fails to analyse or run (one line on stderr), 2 for bad usage.
 */
public final class SqlJob {
    static final String USAGE = "usage: jobs/sql.sh --query SQL [--output PATH] [--json] [--width N] [--master URL] [key=value ...]";

    private SqlJob() {
    }

    /** The command line. */
    record Options(String query, String output, boolean json, int width, Map<String, String> settings) {
        static Options parse(String[] args) {
            String query = null, output = null;
            boolean json = false;
            int width = 60;
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--query" -> query = value(args, ++i, a);
                    case "--output" -> output = value(args, ++i, a);
                    case "--json" -> json = true;
                    case "--width" -> width = Math.max(2, Integer.parseInt(value(args, ++i, a)));
                    default -> {
                        int eq = a.indexOf('=');
                        if (a.startsWith("--") || eq <= 0) {
                            throw new IllegalArgumentException("unexpected argument '" + a + "'");
                        }
                        String key = a.substring(0, eq);
                        settings.put(key.startsWith("llama.") ? "spark." + key : key, a.substring(eq + 1));
                    }
                }
            }
            if (query == null || query.isBlank()) {
                throw new IllegalArgumentException("no --query given");
            }
            return new Options(query, output, json, width, settings);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.println(USAGE);
            System.exit(2);
            return;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("spark-llama sql").withExtensions(new LlamaExtensions());
        o.settings().forEach(builder::config);
        SparkSession spark = builder.getOrCreate();
        int status;
        try {
            status = run(spark, o, out, err);
        } finally {
            out.flush();
            spark.stop();
        }
        System.exit(status);
    }

    /** Runs the query in {@code spark} (which must have the extension); returns the exit status. */
    static int run(SparkSession spark, Options o, PrintStream out, PrintStream err) {
        try {
            Dataset<Row> result = spark.sql(o.query());
            if (o.output() != null) {
                result.write().parquet(o.output());
                err.println("wrote " + spark.read().parquet(o.output()).count() + " rows to " + o.output());
                return 0;
            }
            List<Row> rows = result.collectAsList();
            String[] names = result.columns();
            CellText.print(out, names, rows, o.width(), o.json());
            out.flush();
            err.println(rows.size() + (rows.size() == 1 ? " row" : " rows"));
            return 0;
        } catch (IllegalArgumentException | UnsupportedOperationException e) { // a bad option, a call where none can run
            err.println("error: " + oneLine(e.getMessage()));
            return 1;
        } catch (Exception e) {
            if (e instanceof org.apache.spark.sql.AnalysisException a) { // a syntax error, an unknown column, a bad argument type
                err.println("error: " + oneLine(a.getSimpleMessage()));
                return 1;
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().lines().findFirst().orElse("");
    }
}
