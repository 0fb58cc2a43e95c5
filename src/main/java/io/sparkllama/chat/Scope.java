package io.sparkllama.chat;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables of one level of a render: the template's top level, one loop iteration, a macro call
 * or a with/filter/set block. Lookups fall through to the enclosing scope; assignments stay here,
 * which is why a {@code {% set %}} inside a loop is gone after it, as in Jinja2.
 */
final class Scope {
    private final Scope parent;
    private final Map<String, Object> variables = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The value of {@code name} here or in an enclosing scope, or {@link Py#MISSING}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.variables.get(name);
            if (v != null || s.variables.containsKey(name)) {
                return v;
            }
        }
        return Py.MISSING;
    }

    void set(String name, Object value) {
        variables.put(name, value);
    }
}
