package io.sparkllama.chat;

/**
 * Jinja2's default {@code Undefined}: a missing variable, attribute or element. It is falsy,
 * renders as "", iterates as empty and has length 0, but arithmetic on it, its attributes and
 * items, and calling it raise the error it carries.
 */
final class Undefined {
    private final String message;

    private Undefined(String message) {
        this.message = message;
    }

    /** A variable that no scope defines. */
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A missing attribute (string key) or element (any other key) of {@code owner}. */
    static Undefined member(Object owner, Object key) {
        String type = Py.typeName(owner) + " object";
        return new Undefined(key instanceof String s ? "'" + type + "' has no attribute " + Py.repr(s)
                : type + " has no element " + Py.repr(key));
    }

    /** An undefined with its own explanation, e.g. a sandboxed method. */
    static Undefined because(String message) {
        return new Undefined(message);
    }

    /** Fails with the undefined's error if {@code v} is undefined: for operations Jinja2's Undefined refuses. */
    static Object check(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        return v;
    }

    /** The error to raise when the value is used for more than rendering or testing. */
    JinjaError error() {
        return new JinjaError(message);
    }
}
