package io.sparkllama.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed {@code --name value}, {@code --name=value} and {@code --flag} options of one command.
 * Every option must be declared by the command; values are checked when read, and a bad one is a
 * {@link UsageException} naming the option.
 */
final class Options {
    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Options(String command) {
        this.command = command;
    }

    /**
     * @param valued options that take a value (names without dashes)
     * @param flagNames options that take none
     */
    static Options parse(String command, List<String> args, Set<String> valued, Set<String> flagNames) {
        Options o = new Options(command);
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() == 2) {
                throw new UsageException(command + ": unexpected argument '" + a + "' (options start with --)");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagNames.contains(name)) {
                if (value != null) {
                    throw new UsageException(command + ": --" + name + " takes no value");
                }
                o.flags.add(name);
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(command + ": --" + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                if (o.values.put(name, value) != null) {
                    throw new UsageException(command + ": --" + name + " given twice");
                }
            } else {
                throw new UsageException(command + ": unknown option --" + name);
            }
        }
        return o;
    }

    boolean has(String name) {
        return values.containsKey(name) || flags.contains(name);
    }

    String get(String name) {
        return values.get(name);
    }

    String require(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException(command + ": --" + name + " is required");
        }
        return v;
    }

    Path path(String name) {
        String v = get(name);
        return v == null ? null : Path.of(v);
    }

    int intValue(String name, int fallback, int min, int max) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(command + ": --" + name + " must be an integer from " + min + " to " + max + ", got '" + v + "'");
    }

    long longValue(String name, long fallback) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": --" + name + " must be an integer, got '" + v + "'");
        }
    }

    float floatValue(String name, float fallback, float min, float max) {
        String v = get(name);
        if (v == null) {
            return fallback;
        }
        try {
            float f = Float.parseFloat(v.trim());
            if (f >= min && f <= max) {
                return f;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(command + ": --" + name + " must be a number from " + min + " to " + max + ", got '" + v + "'");
    }
}
