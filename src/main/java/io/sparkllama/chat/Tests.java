package io.sparkllama.chat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Jinja2's tests ({@code x is defined}, {@code x is divisibleby 3}, ...) with Python's type rules. */
final class Tests {
    /** A test: whether {@code value} passes, given the test's arguments. */
    @FunctionalInterface
    interface Fn {
        boolean test(Object value, Args args);
    }

    private static final Map<String, Fn> TESTS = new HashMap<>();

    static {
        TESTS.put("defined", (v, a) -> noArgs(a, "defined") && !(v instanceof Undefined));
        TESTS.put("undefined", (v, a) -> noArgs(a, "undefined") && v instanceof Undefined);
        TESTS.put("none", (v, a) -> noArgs(a, "none") && v == null);
        TESTS.put("boolean", (v, a) -> noArgs(a, "boolean") && v instanceof Boolean);
        TESTS.put("true", (v, a) -> noArgs(a, "true") && Boolean.TRUE.equals(v));
        TESTS.put("false", (v, a) -> noArgs(a, "false") && Boolean.FALSE.equals(v));
        TESTS.put("integer", (v, a) -> noArgs(a, "integer") && v instanceof Long);
        TESTS.put("float", (v, a) -> noArgs(a, "float") && v instanceof Double);
        TESTS.put("number", (v, a) -> noArgs(a, "number") && Py.isNumber(v));
        TESTS.put("string", (v, a) -> noArgs(a, "string") && v instanceof String);
        TESTS.put("mapping", (v, a) -> noArgs(a, "mapping") && v instanceof Map);
        TESTS.put("iterable", (v, a) -> noArgs(a, "iterable") && iterable(v));
        TESTS.put("sequence", (v, a) -> noArgs(a, "sequence") && sequence(v));
        TESTS.put("callable", (v, a) -> noArgs(a, "callable") && (v instanceof JinjaCallable || v instanceof Undefined));
        TESTS.put("lower", (v, a) -> noArgs(a, "lower") && casedAs(Py.str(v), false));
        TESTS.put("upper", (v, a) -> noArgs(a, "upper") && casedAs(Py.str(v), true));
        TESTS.put("odd", (v, a) -> noArgs(a, "odd") && Py.eq(Operators.binary("%", v, 2L), 1L));
        TESTS.put("even", (v, a) -> noArgs(a, "even") && Py.eq(Operators.binary("%", v, 2L), 0L));
        TESTS.put("divisibleby", (v, a) -> Py.eq(Operators.binary("%", v, a.bind("divisibleby", "num", Args.REQUIRED)[0]), 0L));
        TESTS.put("in", (v, a) -> Py.contains(a.bind("in", "seq", Args.REQUIRED)[0], v));
        TESTS.put("sameas", (v, a) -> sameAs(v, a.bind("sameas", "other", Args.REQUIRED)[0]));
        TESTS.put("filter", (v, a) -> noArgs(a, "filter") && v instanceof String s && Filters.get(s) != null);
        TESTS.put("test", (v, a) -> noArgs(a, "test") && v instanceof String s && TESTS.containsKey(s));
        comparison("==", "eq", "equalto");
        comparison("!=", "ne");
        comparison("<", "lt", "lessthan");
        comparison("<=", "le");
        comparison(">", "gt", "greaterthan");
        comparison(">=", "ge");
    }

    private Tests() {
    }

    /** The test named {@code name}, or null. */
    static Fn get(String name) {
        return TESTS.get(name);
    }

    private static void comparison(String op, String... names) {
        Fn fn = (v, a) -> Operators.compare(op, v, a.bind(names[0], "other", Args.REQUIRED)[0]);
        TESTS.put(op, fn);
        for (String n : names) {
            TESTS.put(n, fn);
        }
    }

    private static boolean noArgs(Args a, String name) {
        a.bind(name);
        return true;
    }

    /** Whether {@code iter(v)} works: strings, containers, iterators and undefined. */
    private static boolean iterable(Object v) {
        return v instanceof String || v instanceof java.util.Collection || v instanceof Map || v instanceof PyIterator
                || v instanceof Undefined;
    }

    /** Jinja2's test: {@code len(v)} and {@code v.__getitem__} both exist (so dicts and undefined pass). */
    private static boolean sequence(Object v) {
        return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
    }

    /**
     * Python's identity where CPython makes equal values one object: None, booleans, small ints and
     * strings (equal literals are one constant); other values by reference.
     */
    private static boolean sameAs(Object a, Object b) {
        if (a instanceof Boolean || a == null || a instanceof String || (a instanceof Long l && l >= -5 && l <= 256)) {
            return a == null ? b == null : a.getClass() == (b == null ? null : b.getClass()) && a.equals(b);
        }
        return a == b;
    }

    /** {@code s.isupper()} / {@code s.islower()}: at least one cased character, and all cased ones in that case. */
    static boolean casedAs(String s, boolean upper) {
        boolean cased = false;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int c = s.codePointAt(i);
            if (upper ? Character.isLowerCase(c) || Character.isTitleCase(c) : Character.isUpperCase(c) || Character.isTitleCase(c)) {
                return false;
            }
            cased |= upper ? Character.isUpperCase(c) : Character.isLowerCase(c);
        }
        return cased;
    }
}
