package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;

/**
 * Filters over sequences: select/reject(attr), map, sort, unique, join, first, last, list,
 * reverse, items, dictsort, min, max, sum. Like Jinja2's, select, reject, map, unique, items and
 * reverse return one-shot iterators (so {@code |length} on them fails and {@code |list} is needed).
 */
final class SequenceFilters {
    private SequenceFilters() {
    }

    static void register(Map<String, Filters.Fn> filters) {
        filters.put("list", (v, a) -> Filters.noArgs(a, "list", Py.toList(v)));
        filters.put("first", (v, a) -> {
            Iterator<Object> it = Py.iterate(Filters.noArgs(a, "first", v));
            return it.hasNext() ? it.next() : Undefined.because("No first item, sequence was empty.");
        });
        filters.put("last", (v, a) -> {
            List<Object> items = reversible(Filters.noArgs(a, "last", v));
            return items.isEmpty() ? Undefined.because("No last item, sequence was empty.") : items.get(items.size() - 1);
        });
        filters.put("join", (v, a) -> {
            Object[] p = a.bind("join", "d", "", "attribute", null);
            Function<Object, Object> get = attributeGetter(p[1], null);
            StringBuilder b = new StringBuilder();
            for (Iterator<Object> it = Py.iterate(v); it.hasNext();) {
                b.append(Py.str(get.apply(it.next())));
                if (it.hasNext()) {
                    b.append(Py.str(p[0]));
                }
            }
            return b.toString();
        });
        filters.put("reverse", SequenceFilters::reverse);
        filters.put("items", (v, a) -> {
            a.bind("items");
            if (v instanceof Undefined) {
                return new PyIterator("generator", Collections.emptyIterator());
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw new JinjaError("Can only get item pairs from a mapping.");
            }
            return new PyIterator("dict_itemiterator", new DictView(DictView.Kind.ITEMS, m).iterator());
        });
        filters.put("select", (v, a) -> select(v, a, false, true));
        filters.put("reject", (v, a) -> select(v, a, false, false));
        filters.put("selectattr", (v, a) -> select(v, a, true, true));
        filters.put("rejectattr", (v, a) -> select(v, a, true, false));
        filters.put("map", SequenceFilters::map);
        filters.put("sort", SequenceFilters::sort);
        filters.put("unique", SequenceFilters::unique);
        filters.put("dictsort", SequenceFilters::dictsort);
        filters.put("min", (v, a) -> extreme(v, a, "min"));
        filters.put("max", (v, a) -> extreme(v, a, "max"));
        filters.put("sum", (v, a) -> {
            Object[] p = a.bind("sum", "attribute", null, "start", 0L);
            Function<Object, Object> get = attributeGetter(p[0], null);
            Object total = p[1];
            for (Iterator<Object> it = Py.iterate(v); it.hasNext();) {
                total = Operators.binary("+", total, get.apply(it.next()));
            }
            return total;
        });
    }

    /** Jinja2's make_attrgetter: {@code "a.b.0"} looks up items a, b and 0 in turn; null is the identity. */
    static Function<Object, Object> attributeGetter(Object attribute, Object fallback) {
        if (attribute == null) {
            return x -> x;
        }
        List<Object> path = new ArrayList<>();
        if (attribute instanceof String s) {
            for (Object part : PyStr.split(s, ".", -1)) {
                String p = (String) part;
                path.add(!p.isEmpty() && p.chars().allMatch(c -> c >= '0' && c <= '9') ? (Object) Long.parseLong(p) : p);
            }
        } else {
            path.add(attribute);
        }
        return item -> {
            for (Object key : path) {
                item = Access.item(item, key);
            }
            return fallback != null && item instanceof Undefined ? fallback : item;
        };
    }

    /** A lazy one-shot iterator over {@code source} filtered and mapped, as a Python generator. */
    private static PyIterator generator(Object source, Predicate<Object> keep, Function<Object, Object> map) {
        if (!Py.truthy(source)) { // Jinja2's "if value:" before iterating
            return new PyIterator("generator", Collections.emptyIterator());
        }
        Iterator<Object> items = Py.iterate(source);
        return new PyIterator("generator", StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, 0), false)
                .filter(keep).map(map).iterator());
    }

    /** select/reject(test, args...) and selectattr/rejectattr(attribute, test, args...); no test means truthiness. */
    private static Object select(Object v, Args a, boolean byAttribute, boolean keepPassing) {
        String name = (keepPassing ? "select" : "reject") + (byAttribute ? "attr" : "");
        List<Object> args = a.positional;
        int off = 0;
        Function<Object, Object> get = x -> x;
        if (byAttribute) {
            if (args.isEmpty()) {
                throw new JinjaError(name + "(): missing parameter for attribute name");
            }
            get = attributeGetter(args.get(0), null);
            off = 1;
        }
        Predicate<Object> test;
        if (args.size() > off) {
            Tests.Fn fn = Tests.get(Py.str(args.get(off)));
            if (fn == null) {
                throw new JinjaError("No test named " + Py.repr(args.get(off)) + ".");
            }
            Args testArgs = new Args(args.subList(off + 1, args.size()), a.keywords);
            test = x -> fn.test(x, testArgs);
        } else {
            test = Py::truthy;
        }
        Function<Object, Object> lookup = get;
        Predicate<Object> passes = test;
        return generator(v, x -> passes.test(lookup.apply(x)) == keepPassing, x -> x);
    }

    /** map(attribute="x", default=...) or map("filter", args...). */
    private static Object map(Object v, Args a) {
        if (a.positional.isEmpty() && a.keywords.containsKey("attribute")) {
            Object[] p = a.bind("map", "attribute", Args.REQUIRED, "default", null);
            return generator(v, x -> true, attributeGetter(p[0], p[1]));
        }
        if (a.positional.isEmpty()) {
            throw new JinjaError("map requires a filter argument");
        }
        Filters.Fn fn = Filters.get(Py.str(a.positional.get(0)));
        if (fn == null) {
            throw new JinjaError("No filter named " + Py.repr(a.positional.get(0)) + ".");
        }
        Args rest = new Args(a.positional.subList(1, a.positional.size()), a.keywords);
        return generator(v, x -> true, x -> fn.apply(x, rest));
    }

    /** Sort key order: strings compared lower-cased unless case-sensitive, everything else as Python. */
    private static Comparator<Object> order(boolean caseSensitive, Function<Object, Object> key) {
        return (x, y) -> Py.compare(caseKey(key.apply(x), caseSensitive), caseKey(key.apply(y), caseSensitive), "<");
    }

    private static Object caseKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? PyStr.lower(s) : v;
    }

    private static Object sort(Object v, Args a) {
        Object[] p = a.bind("sort", "reverse", false, "case_sensitive", false, "attribute", null);
        List<Object> items = Py.toList(v);
        Comparator<Object> c = order(Py.truthy(p[1]), attributeGetter(p[2], null));
        items.sort(Py.truthy(p[0]) ? c.reversed() : c);
        return items;
    }

    private static Object unique(Object v, Args a) {
        Object[] p = a.bind("unique", "case_sensitive", false, "attribute", null);
        Function<Object, Object> get = attributeGetter(p[1], null);
        boolean caseSensitive = Py.truthy(p[0]);
        List<Object> seen = new ArrayList<>();
        Iterator<Object> items = Py.iterate(v);
        return new PyIterator("generator", StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, 0), false)
                .filter(x -> {
                    Object key = caseKey(get.apply(x), caseSensitive);
                    if (seen.stream().anyMatch(k -> Py.eq(k, key))) {
                        return false;
                    }
                    seen.add(key);
                    return true;
                }).iterator());
    }

    private static Object dictsort(Object v, Args a) {
        Object[] p = a.bind("dictsort", "case_sensitive", false, "by", "key", "reverse", false);
        if (!(v instanceof Map<?, ?> m)) {
            throw new JinjaError("'" + Py.typeName(v) + "' object has no attribute 'items'");
        }
        int pos = switch (Py.str(p[1])) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new JinjaError("You can only sort by either 'key' or 'value'");
        };
        List<Object> items = Py.toList(new DictView(DictView.Kind.ITEMS, m));
        Comparator<Object> c = order(Py.truthy(p[0]), x -> ((Tuple) x).get(pos));
        items.sort(Py.truthy(p[2]) ? c.reversed() : c);
        return items;
    }

    private static Object extreme(Object v, Args a, String name) {
        Object[] p = a.bind(name, "case_sensitive", false, "attribute", null);
        List<Object> items = Py.toList(v);
        if (items.isEmpty()) {
            return Undefined.because("No " + (name.equals("min") ? "smallest" : "largest") + " item, sequence was empty.");
        }
        Comparator<Object> c = order(Py.truthy(p[0]), attributeGetter(p[1], null));
        return name.equals("min") ? Collections.min(items, c) : Collections.max(items, c);
    }

    /** Jinja2's reverse: strings reversed, sequences and dicts as a reverse iterator, other iterables as a list. */
    private static Object reverse(Object v, Args a) {
        a.bind("reverse");
        if (v instanceof String s) {
            return new StringBuilder(s).reverse().toString(); // StringBuilder keeps surrogate pairs together
        }
        if (v instanceof PyIterator) {
            List<Object> items = Py.toList(v);
            Collections.reverse(items);
            return items;
        }
        List<Object> items = reversible(v);
        Collections.reverse(items);
        return new PyIterator(v instanceof Map ? "dict_reversekeyiterator" : "list_reverseiterator", items.iterator());
    }

    /** The items of a value Python's {@code reversed()} accepts (sequences, dicts and their views, undefined). */
    private static List<Object> reversible(Object v) {
        if (v instanceof String || v instanceof Collection || v instanceof Map || v instanceof Undefined) {
            return Py.toList(v);
        }
        throw new JinjaError("'" + Py.typeName(v) + "' object is not reversible");
    }
}
