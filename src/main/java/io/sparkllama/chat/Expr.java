package io.sparkllama.chat;

import java.util.List;

/** Expression nodes of the template AST; each knows where it stands for error messages. */
sealed interface Expr {
    Pos pos();

    /** A string, number, boolean or none literal. */
    record Literal(Object value, Pos pos) implements Expr {
    }

    record Variable(String name, Pos pos) implements Expr {
    }

    record ListExpr(List<Expr> items, Pos pos) implements Expr {
    }

    record TupleExpr(List<Expr> items, Pos pos) implements Expr {
    }

    record DictExpr(List<Expr> keys, List<Expr> values, Pos pos) implements Expr {
    }

    /** {@code object.name}: an attribute (a method, a loop field) first, then an item. */
    record Attribute(Expr object, String name, Pos pos) implements Expr {
    }

    /** {@code object[key]}: an item first, then an attribute. */
    record Item(Expr object, Expr key, Pos pos) implements Expr {
    }

    /** {@code object[start:stop:step]}; absent parts are null. */
    record Slice(Expr object, Expr start, Expr stop, Expr step, Pos pos) implements Expr {
    }

    record Call(Expr callee, CallArgs args, Pos pos) implements Expr {
    }

    /** {@code value | name(args)}; {@code value} is null in {@code {% filter %}} and block {@code {% set %}}. */
    record Filter(Expr value, String name, Filters.Fn fn, CallArgs args, Pos pos) implements Expr {
    }

    /** {@code value is [not] name(args)}. */
    record Test(Expr value, String name, Tests.Fn fn, CallArgs args, boolean negated, Pos pos) implements Expr {
    }

    /** {@code -x}, {@code +x} or {@code not x}. */
    record Unary(String op, Expr operand, Pos pos) implements Expr {
    }

    /** Arithmetic and {@code ~}: {@code + - * / // % ** ~}. */
    record Binary(String op, Expr left, Expr right, Pos pos) implements Expr {
    }

    /** {@code and} / {@code or}, which return an operand as Python's do. */
    record Logical(boolean isAnd, Expr left, Expr right, Pos pos) implements Expr {
    }

    /** A chain {@code a < b <= c}; ops are "==", "!=", "<", "<=", ">", ">=", "in", "notin". */
    record Compare(Expr first, List<String> ops, List<Expr> operands, Pos pos) implements Expr {
    }

    /** {@code then if condition else otherwise}; {@code otherwise} null gives undefined. */
    record Conditional(Expr condition, Expr then, Expr otherwise, Pos pos) implements Expr {
    }

    /** Arguments of a call, filter or test as written. */
    record CallArgs(List<Expr> positional, List<String> names, List<Expr> keywordValues) {
        static final CallArgs NONE = new CallArgs(List.of(), List.of(), List.of());
    }
}
