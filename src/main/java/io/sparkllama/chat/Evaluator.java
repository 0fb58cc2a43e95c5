package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates expressions. A runtime error becomes a {@link ChatTemplateException} at the innermost
 * expression that raised it, so messages point at the failing part of the template.
 */
final class Evaluator {

    Object eval(Expr e, Scope s) {
        try {
            return evaluate(e, s);
        } catch (JinjaError | ArithmeticException err) {
            throw located(e.pos(), err);
        }
    }

    /** {@code str()} of the value, as {@code {{ e }}} prints it. */
    String string(Expr e, Scope s) {
        Object v = eval(e, s);
        try {
            return Py.str(v);
        } catch (JinjaError err) {
            throw located(e.pos(), err);
        }
    }

    /** The items of an iterable value, for a for loop or an unpacking. */
    List<Object> items(Object v, Pos pos) {
        try {
            return Py.toList(v);
        } catch (JinjaError err) {
            throw located(pos, err);
        }
    }

    static ChatTemplateException located(Pos pos, RuntimeException err) {
        if (err instanceof JinjaError j && j.raisedByTemplate) {
            return ChatTemplateException.raised(pos, j.getMessage());
        }
        String msg = err instanceof ArithmeticException ? "integer overflow (" + err.getMessage()
                + "; Python integers are unbounded, these are 64-bit)" : err.getMessage();
        return ChatTemplateException.at(pos, msg);
    }

    private Object evaluate(Expr e, Scope s) {
        if (e instanceof Expr.Literal l) {
            return l.value();
        }
        if (e instanceof Expr.Variable v) {
            Object value = s.lookup(v.name());
            return value == Py.MISSING ? Undefined.variable(v.name()) : value;
        }
        if (e instanceof Expr.Item i) {
            Object obj = eval(i.object(), s);
            return Access.item(obj, eval(i.key(), s));
        }
        if (e instanceof Expr.Attribute a) {
            return Access.attribute(eval(a.object(), s), a.name());
        }
        if (e instanceof Expr.Binary b) {
            Object left = eval(b.left(), s);
            return Operators.binary(b.op(), left, eval(b.right(), s));
        }
        if (e instanceof Expr.Filter f) {
            Object value = eval(f.value(), s);
            return f.fn().apply(value, args(f.args(), s));
        }
        if (e instanceof Expr.Compare c) {
            Object left = eval(c.first(), s);
            for (int k = 0; k < c.ops().size(); k++) {
                Object right = eval(c.operands().get(k), s);
                if (!Operators.compare(c.ops().get(k), left, right)) {
                    return false;
                }
                left = right;
            }
            return true;
        }
        if (e instanceof Expr.Test t) {
            Object value = eval(t.value(), s);
            return t.fn().test(value, args(t.args(), s)) != t.negated();
        }
        if (e instanceof Expr.Logical l) {
            Object left = eval(l.left(), s);
            return l.isAnd() == Py.truthy(left) ? eval(l.right(), s) : left; // Python's and/or return an operand
        }
        if (e instanceof Expr.Unary u) {
            return Operators.unary(u.op(), eval(u.operand(), s));
        }
        if (e instanceof Expr.Call c) {
            return call(eval(c.callee(), s), args(c.args(), s));
        }
        if (e instanceof Expr.Conditional c) {
            if (Py.truthy(eval(c.condition(), s))) {
                return eval(c.then(), s);
            }
            return c.otherwise() != null ? eval(c.otherwise(), s)
                    : Undefined.because("the inline if-expression evaluated to false and no else section was defined");
        }
        if (e instanceof Expr.Slice sl) {
            Object obj = eval(sl.object(), s);
            return Access.slice(obj, optional(sl.start(), s), optional(sl.stop(), s), optional(sl.step(), s));
        }
        if (e instanceof Expr.ListExpr l) {
            return evalAll(l.items(), s);
        }
        if (e instanceof Expr.TupleExpr t) {
            return new Tuple(evalAll(t.items(), s).toArray());
        }
        if (e instanceof Expr.DictExpr d) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int k = 0; k < d.keys().size(); k++) {
                Object key = eval(d.keys().get(k), s);
                if (key instanceof List || key instanceof Map) {
                    throw new JinjaError("unhashable type: '" + Py.typeName(key) + "'");
                }
                out.put(key, eval(d.values().get(k), s));
            }
            return out;
        }
        throw new IllegalStateException("unknown expression " + e);
    }

    private Object optional(Expr e, Scope s) {
        return e == null ? null : eval(e, s);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope s) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr x : exprs) {
            out.add(eval(x, s));
        }
        return out;
    }

    private Args args(Expr.CallArgs c, Scope s) {
        if (c == Expr.CallArgs.NONE) {
            return Args.NONE;
        }
        Map<String, Object> keywords = c.names().isEmpty() ? Map.of() : new LinkedHashMap<>();
        for (int k = 0; k < c.names().size(); k++) {
            keywords.put(c.names().get(k), eval(c.keywordValues().get(k), s));
        }
        return new Args(evalAll(c.positional(), s), keywords);
    }

    private static Object call(Object callee, Args args) {
        if (callee instanceof JinjaCallable f) {
            return f.call(args);
        }
        Undefined.check(callee);
        throw new JinjaError("'" + Py.typeName(callee) + "' object is not callable");
    }
}
