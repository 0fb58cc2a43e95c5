package io.sparkllama.chat;

import java.util.Iterator;

/**
 * A one-shot Python iterator, what {@code select}, {@code map}, {@code reverse} and friends return:
 * always truthy, without a length, empty once consumed, and printed as an object address (which
 * we refuse to render rather than invent).
 */
final class PyIterator {
    final String typeName;
    final Iterator<Object> items;

    PyIterator(String typeName, Iterator<Object> items) {
        this.typeName = typeName;
        this.items = items;
    }
}
