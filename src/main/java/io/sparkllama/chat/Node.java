package io.sparkllama.chat;

import java.util.List;

/** Statement nodes of the template AST. */
sealed interface Node {
    /** Template text, whitespace control already applied. */
    record Text(String text) implements Node {
    }

    /** {@code {{ expr }}}. */
    record Output(Expr expr) implements Node {
    }

    /** {@code if/elif/else}: the first true condition's body, else {@code otherwise}. */
    record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> otherwise) implements Node {
    }

    /** {@code for target in iterable [if filter]} with an optional {@code else} for no iterations. */
    record For(Target target, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise, Pos pos) implements Node {
    }

    /** {@code {% set target = value %}}. */
    record Set(Target target, Expr value, Pos pos) implements Node {
    }

    /** {@code {% set name %}body{% endset %}}, the body optionally piped through filters. */
    record SetBlock(Target target, List<Expr.Filter> filters, List<Node> body, Pos pos) implements Node {
    }

    /** {@code {% macro name(params) %}}; {@code defaults} holds null for parameters without one. */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {
    }

    /** {@code {% with a = 1, b = 2 %}body{% endwith %}}. */
    record With(List<Target> targets, List<Expr> values, List<Node> body, Pos pos) implements Node {
    }

    /** {@code {% filter f|g %}body{% endfilter %}}. */
    record FilterBlock(List<Expr.Filter> filters, List<Node> body) implements Node {
    }

    /** A body rendered in its own scope: transformers' {@code {% generation %}} tag. */
    record Scoped(List<Node> body) implements Node {
    }

    record Break() implements Node {
    }

    record Continue() implements Node {
    }
}
