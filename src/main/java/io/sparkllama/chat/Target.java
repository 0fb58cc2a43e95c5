package io.sparkllama.chat;

import java.util.List;

/** The left side of {@code set}, {@code for} and {@code with}. */
sealed interface Target {
    record Name(String name) implements Target {
    }

    /** {@code a, b}: unpacks a sequence of exactly that many items. */
    record Names(List<String> names) implements Target {
    }

    /** {@code ns.attr}: only for namespace objects. */
    record NamespaceAttribute(String namespace, String attribute) implements Target {
    }
}
