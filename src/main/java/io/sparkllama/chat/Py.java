package io.sparkllama.chat;

import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's meaning of the values templates handle: truth, {@code str()}, {@code repr()},
 * {@code ==}, ordering, iteration, {@code len()} and {@code in}. Values are Java objects:
 * str = String, int = Long, float = Double, bool = Boolean, None = null, list = List, tuple =
 * {@link Tuple}, dict = Map, plus {@link Undefined} and the other types of this package.
 */
final class Py {
    /** What a dict lookup returns for a missing key (null is None, a legal value). */
    static final Object MISSING = new Object();

    private Py() {
    }

    /** Python's type names of the value classes; subclasses (Tuple, PyRange) before List. */
    private static final List<Map.Entry<Class<?>, String>> TYPE_NAMES = List.of(Map.entry(String.class, "str"),
            Map.entry(Boolean.class, "bool"), Map.entry(Long.class, "int"), Map.entry(Double.class, "float"),
            Map.entry(Tuple.class, "tuple"), Map.entry(PyRange.class, "range"), Map.entry(List.class, "list"),
            Map.entry(Map.class, "dict"), Map.entry(Macro.class, "Macro"), Map.entry(JinjaCallable.class, "function"));

    /** Python's type name, as error messages print it. */
    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof DictView d) {
            return d.typeName();
        }
        if (v instanceof PyIterator it) {
            return it.typeName;
        }
        for (Map.Entry<Class<?>, String> e : TYPE_NAMES) {
            if (e.getKey().isInstance(v)) {
                return e.getValue();
            }
        }
        return v.getClass().getSimpleName();
    }

    static boolean isInteger(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    /** An int or bool as a long (Python's bool is an int). */
    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double asDouble(Object v) {
        return v instanceof Double d ? d : asLong(v);
    }

    /** Python truth: None, False, 0, "", empty containers and undefined are false. */
    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0;
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true; // iterators, namespaces, callables
    }

    /** {@code str(v)}, what {@code {{ v }}} prints. */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        return v instanceof Undefined ? "" : repr(v);
    }

    /** {@code repr(v)}, how values print inside lists and dicts. */
    static String repr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof String s) {
            return PyStr.repr(s);
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Long l) {
            return l.toString();
        }
        if (v instanceof Double d) {
            return PyFormat.floatRepr(d);
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Tuple t) {
            return join(t, "(", t.size() == 1 ? ",)" : ")");
        }
        if (v instanceof PyRange r) {
            return r.toString();
        }
        if (v instanceof List<?> l) {
            return join(l, "[", "]");
        }
        if (v instanceof DictView d) {
            return d.typeName() + "(" + join(d, "[", "]") + ")";
        }
        if (v instanceof Namespace ns) {
            return "<Namespace " + repr(ns.attributes) + ">";
        }
        if (v instanceof PyIterator || (v instanceof JinjaCallable && !(v instanceof Macro))) {
            // Python prints "<generator object ... at 0x7f...>": an address, never what was meant
            throw new JinjaError("cannot print a " + typeName(v) + " object (Python prints its memory address)"
                    + (v instanceof PyIterator ? "; convert it with |list" : "; call it"));
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return b.append('}').toString();
        }
        return v.toString(); // Macro, LoopContext
    }

    private static String join(Collection<?> items, String open, String close) {
        StringBuilder b = new StringBuilder(open);
        for (Object o : items) {
            if (b.length() > open.length()) {
                b.append(", ");
            }
            b.append(repr(o));
        }
        return b.append(close).toString();
    }

    /** Python's {@code a == b}: 1 == 1.0 == True, a list never equals a tuple, undefined equals undefined. */
    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return isInteger(a) && isInteger(b) ? asLong(a) == asLong(b) : asDouble(a) == asDouble(b);
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            return sameSequenceType(x, y) && sequencesEqual(x, y);
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object other = get(y, e.getKey());
                if (other == MISSING || !eq(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean sameSequenceType(List<?> x, List<?> y) {
        return (x instanceof Tuple) == (y instanceof Tuple) && (x instanceof PyRange) == (y instanceof PyRange);
    }

    private static boolean sequencesEqual(List<?> x, List<?> y) {
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (!eq(x.get(i), y.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Python's ordering for {@code <}, {@code >}, ...: numbers, strings (by code point), same-type sequences. */
    static int compare(Object a, Object b, String op) {
        Undefined.check(a);
        Undefined.check(b);
        if (isNumber(a) && isNumber(b)) {
            if (isInteger(a) && isInteger(b)) {
                return Long.compare(asLong(a), asLong(b));
            }
            double x = asDouble(a), y = asDouble(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        if (a instanceof String x && b instanceof String y) {
            return PyStr.compare(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y && sameSequenceType(x, y)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new JinjaError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    /** Iterates as Python's {@code for}: strings by character, dicts by key, undefined as empty. */
    @SuppressWarnings("unchecked")
    static Iterator<Object> iterate(Object v) {
        if (v instanceof Collection<?> c) {
            return (Iterator<Object>) c.iterator();
        }
        if (v instanceof Map<?, ?> m) {
            return (Iterator<Object>) m.keySet().iterator();
        }
        if (v instanceof String s) {
            return PyStr.characters(s).iterator();
        }
        if (v instanceof PyIterator it) {
            return it.items;
        }
        if (v instanceof Undefined) {
            return Collections.emptyIterator();
        }
        throw new JinjaError("'" + typeName(v) + "' object is not iterable");
    }

    /** The items of an iterable in a new list. */
    static List<Object> toList(Object v) {
        List<Object> out = new java.util.ArrayList<>();
        iterate(v).forEachRemaining(out::add);
        return out;
    }

    /** {@code len(v)}; strings count code points. */
    static int len(Object v) {
        if (v instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (v instanceof Collection<?> c) {
            return c.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw new JinjaError("object of type '" + typeName(v) + "' has no len()");
    }

    /** Python's {@code item in container}. */
    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (!(item instanceof String sub)) {
                throw new JinjaError("'in <string>' requires string as left operand, not " + typeName(item));
            }
            return s.contains(sub);
        }
        if (container instanceof Map<?, ?> m) {
            return get(m, item) != MISSING;
        }
        if (container == null || !(container instanceof Collection || container instanceof PyIterator
                || container instanceof Undefined)) {
            throw new JinjaError("argument of type '" + typeName(container) + "' is not iterable");
        }
        for (Iterator<Object> it = iterate(container); it.hasNext();) {
            if (eq(it.next(), item)) {
                return true;
            }
        }
        return false;
    }

    /** {@code m[key]} with Python key equality, or {@link #MISSING}. */
    static Object get(Map<?, ?> m, Object key) {
        if (key instanceof String) {
            Object v = m.get(key);
            return v != null || m.containsKey(key) ? v : MISSING;
        }
        for (Map.Entry<?, ?> e : m.entrySet()) { // 1, 1.0 and True are the same key in Python
            if (eq(e.getKey(), key)) {
                return e.getValue();
            }
        }
        return MISSING;
    }
}
