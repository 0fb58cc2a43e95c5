package io.sparkllama.chat;

import java.util.AbstractList;
import java.util.RandomAccess;

/** A Python tuple: an immutable sequence that prints as {@code (a, b)} and never equals a list. */
final class Tuple extends AbstractList<Object> implements RandomAccess {
    private final Object[] items;

    Tuple(Object... items) {
        this.items = items;
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
