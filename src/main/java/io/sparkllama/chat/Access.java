package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code obj.name}, {@code obj[key]} and {@code obj[a:b:c]} as Jinja2's sandbox resolves them:
 * the dot tries an attribute (a method, a loop field) before an item, the brackets an item before
 * an attribute, and anything missing is {@link Undefined} (an error only when used further).
 */
final class Access {
    private Access() {
    }

    static Object attribute(Object obj, String name) {
        Undefined.check(obj);
        if (obj instanceof LoopContext loop) {
            return loop.attribute(name);
        }
        if (obj instanceof Namespace ns) {
            return ns.attributes.containsKey(name) ? ns.attributes.get(name) : Undefined.member(obj, name);
        }
        Object method = Methods.attribute(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map<?, ?> m) {
            Object v = Py.get(m, name);
            if (v != Py.MISSING) {
                return v;
            }
        }
        return Undefined.member(obj, name);
    }

    static Object item(Object obj, Object key) {
        Undefined.check(obj);
        if (obj instanceof Map<?, ?> m) {
            Object v = Py.get(m, key);
            if (v != Py.MISSING) {
                return v;
            }
        } else if (Py.isInteger(key) && (obj instanceof List || obj instanceof String)) {
            List<?> seq = obj instanceof String s ? PyStr.characters(s) : (List<?>) obj;
            long i = Py.asLong(key);
            if (i < 0) {
                i += seq.size();
            }
            return i >= 0 && i < seq.size() ? seq.get((int) i) : Undefined.member(obj, key);
        }
        return key instanceof String s ? attribute(obj, s) : Undefined.member(obj, key);
    }

    /** A slice of a string, list, tuple or range; of anything else undefined, as Jinja2's getitem gives. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        Undefined.check(obj);
        if (!(obj instanceof String || obj instanceof List) || !isIndex(start) || !isIndex(stop) || !isIndex(step)) {
            return Undefined.member(obj, "slice");
        }
        long by = step == null ? 1 : Py.asLong(step);
        if (by == 0) {
            throw new JinjaError("slice step cannot be zero");
        }
        List<?> seq = obj instanceof String s ? PyStr.characters(s) : (List<?>) obj;
        int n = seq.size();
        long from = bound(start, n, by, by < 0 ? n - 1 : 0);
        long to = bound(stop, n, by, by < 0 ? -1 : n);
        if (obj instanceof PyRange r) {
            return new PyRange(r.start + from * r.step, r.start + to * r.step, r.step * by);
        }
        List<Object> out = new ArrayList<>();
        for (long i = from; by > 0 ? i < to : i > to; i += by) {
            out.add(seq.get((int) i));
        }
        if (obj instanceof String) {
            StringBuilder b = new StringBuilder();
            out.forEach(c -> b.append((String) c));
            return b.toString();
        }
        return obj instanceof Tuple ? new Tuple(out.toArray()) : out;
    }

    private static boolean isIndex(Object v) {
        return v == null || Py.isInteger(v);
    }

    /** Python's slice bound adjustment: negatives count from the end, then clamped. */
    private static long bound(Object value, int n, long step, long fallback) {
        if (value == null) {
            return fallback;
        }
        long i = Py.asLong(value);
        if (i < 0) {
            i += n;
            if (i < 0) {
                return step < 0 ? -1 : 0;
            }
        } else if (i >= n) {
            return step < 0 ? n - 1 : n;
        }
        return i;
    }
}
