package io.sparkllama.chat;

import java.util.List;
import java.util.Map;

/** The evaluated positional and keyword arguments of one call, filter or test. */
final class Args {
    /** Marks a parameter without a default in {@link #bind}. */
    static final Object REQUIRED = new Object();
    static final Args NONE = new Args(List.of(), Map.of());

    final List<Object> positional;
    final Map<String, Object> keywords;

    Args(List<Object> positional, Map<String, Object> keywords) {
        this.positional = positional;
        this.keywords = keywords;
    }

    static Args of(Object... positional) {
        return new Args(java.util.Arrays.asList(positional), Map.of());
    }

    /** These arguments with {@code first} put in front, e.g. the value a filter applies to. */
    Args prepend(Object first) {
        Object[] all = new Object[positional.size() + 1];
        all[0] = first;
        for (int i = 0; i < positional.size(); i++) {
            all[i + 1] = positional.get(i);
        }
        return new Args(java.util.Arrays.asList(all), keywords);
    }

    /**
     * Binds the arguments to a Python signature as Python does (positionally, then by keyword).
     *
     * @param function name for error messages
     * @param spec     parameter names, each followed by its default or {@link #REQUIRED}
     * @return the values in parameter order
     */
    Object[] bind(String function, Object... spec) {
        int n = spec.length / 2;
        if (positional.size() > n) {
            throw new JinjaError(function + "() takes at most " + n + " argument" + (n == 1 ? "" : "s") + " ("
                    + positional.size() + " given)");
        }
        Object[] out = new Object[n];
        for (int i = 0; i < n; i++) {
            String name = (String) spec[2 * i];
            boolean byPosition = i < positional.size();
            if (byPosition && keywords.containsKey(name)) {
                throw new JinjaError(function + "() got multiple values for argument '" + name + "'");
            }
            out[i] = byPosition ? positional.get(i) : keywords.getOrDefault(name, spec[2 * i + 1]);
            if (out[i] == REQUIRED) {
                throw new JinjaError(function + "() missing required argument '" + name + "'");
            }
        }
        for (String k : keywords.keySet()) {
            if (!isParameter(k, spec)) {
                throw new JinjaError(function + "() got an unexpected keyword argument '" + k + "'");
            }
        }
        return out;
    }

    /** Fails unless the call has no keyword arguments (for functions taking only *args). */
    void noKeywords(String function) {
        if (!keywords.isEmpty()) {
            throw new JinjaError(function + "() takes no keyword arguments");
        }
    }

    private static boolean isParameter(String name, Object[] spec) {
        for (int i = 0; i < spec.length; i += 2) {
            if (spec[i].equals(name)) {
                return true;
            }
        }
        return false;
    }
}
