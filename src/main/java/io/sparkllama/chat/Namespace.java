package io.sparkllama.chat;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code namespace(...)}: the one mutable object templates have, because {@code {% set %}} in a
 * loop does not leave the loop but {@code {% set ns.x = ... %}} does.
 */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
