package io.sparkllama.spark;

import io.sparkllama.json.Json;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A job's settings. A {@code llama.*} key comes from, first to last: a {@code key=value}
 * argument, the {@code --config} file, the session's {@code spark.llama.*} conf, the job's shipped
 * default file (read when no {@code --config} is given), the built-in default. {@code spark.*}
 * keys are passed to the Spark session. Every
 * {@code llama.*} key must be one this job knows (a typo fails the job before it starts), and
 * every value is checked when read, with the key named in the error. docs/CONFIGURATION.md lists
 * the keys.
 */
public final class JobConfig {
    /** Keys given explicitly: a --config file's, then the command line's key=value pairs. */
    private final Map<String, String> values = new TreeMap<>();
    /** llama.* keys of the job's shipped default file (read when no --config is given): below the session's. */
    private final Map<String, String> fileDefaults = new TreeMap<>();
    private final Map<String, String> known;
    /** The session's spark.llama.* settings: each applies when the file and the arguments leave its key unset. */
    private Map<String, String> session = Map.of();

    private JobConfig(Map<String, String> known) {
        this.known = known;
    }

    /**
     * These settings over a session's conf: a key the file and the arguments leave unset takes
     * {@code spark.llama.<key>} (e.g. {@code spark-submit --conf spark.llama.max.tokens=64}).
     * Unknown spark.llama.* keys are reported on {@code log} with the nearest known one.
     */
    public JobConfig inSession(org.apache.spark.sql.SparkSession spark, java.io.PrintStream log) {
        JobConfig c = new JobConfig(known);
        c.values.putAll(values);
        c.fileDefaults.putAll(fileDefaults);
        c.session = SparkLlamaConf.of(spark);
        SparkLlamaConf.warnUnknown(c.session, log);
        return c;
    }

    /**
     * Parses {@code [--config FILE] [key=value ...]}; with no {@code --config}, {@code defaultFile}
     * is read when it exists. {@code known} maps every accepted llama.* key to its default ("" for none).
     */
    public static JobConfig parse(String[] args, Path defaultFile, Map<String, String> known) throws IOException {
        JobConfig c = new JobConfig(known);
        Path file = defaultFile;
        boolean configGiven = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--config needs a file");
                }
                file = Path.of(args[++i]);
                configGiven = true;
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException(file + ": no such config file (--config)");
                }
            } else if (args[i].contains("=")) {
                overrides.add(args[i]);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "' (expected --config FILE or key=value)");
            }
        }
        if (file != null && Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            boolean shipped = !configGiven; // the project's sample settings, not the user's choices
            for (String k : p.stringPropertyNames()) {
                String key = c.put(k.trim(), p.getProperty(k).trim(), file.toString());
                if (shipped && key.startsWith("llama.")) {
                    c.fileDefaults.put(key, c.values.remove(key));
                }
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            c.put(o.substring(0, eq).trim(), o.substring(eq + 1), "the command line");
        }
        return c;
    }

    /** Sets a key (spark.llama.x as llama.x) and returns it as stored. */
    private String put(String key, String value, String source) {
        String jobKey = key.startsWith(SparkLlamaConf.PREFIX) ? key.substring("spark.".length()) : null;
        if (jobKey != null && known.containsKey(jobKey)) {
            key = jobKey; // spark.llama.x given to the job itself is its llama.x, as explicit as the file
        }
        if (key.startsWith("llama.") && !known.containsKey(key)) {
            throw new IllegalArgumentException("unknown key " + key + " in " + source + " (known: " + String.join(", ", known.keySet()) + ")");
        }
        if (!key.startsWith("llama.") && !key.startsWith("spark.")) {
            throw new IllegalArgumentException("key " + key + " in " + source + " is neither a llama.* nor a spark.* key");
        }
        values.put(key, value);
        return key;
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null && key.startsWith("llama.")) {
            v = session.get(SparkLlamaConf.sparkKey(key));
        }
        if (v == null) {
            v = fileDefaults.get(key);
        }
        return v != null ? v : known.getOrDefault(key, "");
    }

    /** The key as the user gave it: {@code spark.llama.x} when its value comes from the session's conf. */
    private String name(String key) {
        return values.containsKey(key) || !session.containsKey(SparkLlamaConf.sparkKey(key)) ? key : SparkLlamaConf.sparkKey(key);
    }

    /** The value, or null when it is empty. */
    public String optional(String key) {
        String v = get(key);
        return v.isEmpty() ? null : v;
    }

    public String require(String key) {
        String v = get(key);
        if (v.isEmpty()) {
            throw new IllegalArgumentException(name(key) + " is required");
        }
        return v;
    }

    public int getInt(String key, int min, int max) {
        try {
            int v = Integer.parseInt(get(key).trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name(key) + " must be an integer from " + min + " to " + max + ", is '" + get(key) + "'");
    }

    public long getLong(String key) {
        try {
            return Long.parseLong(get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name(key) + " must be an integer, is '" + get(key) + "'");
        }
    }

    public double getDouble(String key, double min, double max) {
        try {
            double v = Double.parseDouble(get(key).trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name(key) + " must be a number from " + min + " to " + max + ", is '" + get(key) + "'");
    }

    public boolean getBoolean(String key) {
        String v = get(key).trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return v.equals("true");
        }
        throw new IllegalArgumentException(name(key) + " must be true or false, is '" + get(key) + "'");
    }

    /** A list: a JSON array of strings, or one plain string (empty for none). */
    public String[] getStrings(String key) {
        return strings(name(key), get(key));
    }

    /** {@code value} as a list: a JSON array of strings, or one plain string (empty for none); errors name {@code key}. */
    static String[] strings(String key, String value) {
        if (value.isEmpty()) {
            return new String[0];
        }
        if (value.trim().startsWith("[")) {
            try {
                List<?> l = (List<?>) Json.parse(value.trim());
                return l.stream().map(o -> {
                    if (!(o instanceof String s)) {
                        throw new IllegalArgumentException(key + " must be a JSON array of strings");
                    }
                    return s;
                }).toArray(String[]::new);
            } catch (ClassCastException e) {
                throw new IllegalArgumentException(key + " must be a JSON array of strings");
            }
        }
        return new String[] {value};
    }

    /** The spark.* settings. */
    public Map<String, String> sparkSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("spark.")) {
                out.put(k, v);
            }
        });
        return out;
    }
}
