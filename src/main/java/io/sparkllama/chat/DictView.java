package io.sparkllama.chat;

import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.Map;

/** {@code dict.keys()}, {@code .values()} or {@code .items()}: iterable and sized, but not subscriptable. */
final class DictView extends AbstractCollection<Object> {
    enum Kind { KEYS, VALUES, ITEMS }

    final Kind kind;
    private final Map<?, ?> map;

    DictView(Kind kind, Map<?, ?> map) {
        this.kind = kind;
        this.map = map;
    }

    /** Python's type name: dict_keys, dict_values or dict_items. */
    String typeName() {
        return "dict_" + kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Iterator<Object> iterator() {
        Iterator<? extends Map.Entry<?, ?>> entries = map.entrySet().iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return entries.hasNext();
            }

            @Override
            public Object next() {
                Map.Entry<?, ?> e = entries.next();
                return switch (kind) {
                    case KEYS -> e.getKey();
                    case VALUES -> e.getValue();
                    case ITEMS -> new Tuple(e.getKey(), e.getValue());
                };
            }
        };
    }

    @Override
    public int size() {
        return map.size();
    }
}
