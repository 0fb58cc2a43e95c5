package io.sparkllama.chat;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The functions every template sees: Jinja2's {@code range}, {@code dict} and {@code namespace},
 * and the two transformers adds, {@code raise_exception(msg)} and {@code strftime_now(format)}.
 */
final class Globals {
    private Globals() {
    }

    /** A scope holding the globals, {@code strftime_now} formatting {@code today}. */
    static Scope scope(LocalDate today) {
        Scope s = new Scope(null);
        s.set("range", (JinjaCallable) Globals::range);
        s.set("dict", (JinjaCallable) a -> dict("dict", a));
        s.set("namespace", (JinjaCallable) a -> {
            Namespace ns = new Namespace();
            dict("namespace", a).forEach((k, v) -> ns.attributes.put(Py.str(k), v));
            return ns;
        });
        s.set("raise_exception", (JinjaCallable) a -> {
            throw new JinjaError(Py.str(a.bind("raise_exception", "message", Args.REQUIRED)[0]), true);
        });
        s.set("strftime_now", (JinjaCallable) a -> {
            Object format = a.bind("strftime_now", "format", Args.REQUIRED)[0];
            return Strftime.format(Methods.text(format, "strftime_now"), today);
        });
        return s;
    }

    private static Object range(Args a) {
        a.noKeywords("range");
        int n = a.positional.size();
        if (n < 1 || n > 3) {
            throw new JinjaError("range expected 1 to 3 arguments, got " + n);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            Object x = a.positional.get(i);
            if (!Py.isInteger(x)) {
                throw new JinjaError("'" + Py.typeName(x) + "' object cannot be interpreted as an integer");
            }
            v[i] = Py.asLong(x);
        }
        return n == 1 ? new PyRange(0, v[0], 1) : new PyRange(v[0], v[1], n == 3 ? v[2] : 1);
    }

    /** Python's {@code dict(mapping_or_pairs, **kwargs)}. */
    private static Map<Object, Object> dict(String fn, Args a) {
        if (a.positional.size() > 1) {
            throw new JinjaError(fn + "() expected at most 1 positional argument, got " + a.positional.size());
        }
        Map<Object, Object> out = new LinkedHashMap<>();
        if (!a.positional.isEmpty()) {
            Object src = a.positional.get(0);
            if (src instanceof Map<?, ?> m) {
                out.putAll(m);
            } else {
                for (Object pair : Py.toList(src)) {
                    java.util.List<Object> kv = Py.toList(pair);
                    if (kv.size() != 2) {
                        throw new JinjaError(fn + "(): each item must be a pair, got " + Py.repr(pair));
                    }
                    out.put(kv.get(0), kv.get(1));
                }
            }
        }
        out.putAll(a.keywords);
        return out;
    }
}
