package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Executes statements into the output. One renderer serves one render call (templates share
 * nothing mutable across calls). Scoping follows Jinja2: {@code if} opens no scope; each loop
 * iteration, macro call and with/filter/set/generation block does.
 */
final class Renderer {
    /** How a list of statements ended: normally or by {@code {% break %}} / {@code {% continue %}}. */
    enum Flow { NORMAL, BREAK, CONTINUE }

    private final Evaluator evaluator = new Evaluator();

    Object evaluate(Expr e, Scope s) {
        return evaluator.eval(e, s);
    }

    /** Renders {@code nodes} into a new string (a macro call or a block set/filter). */
    String capture(List<Node> nodes, Scope scope) {
        StringBuilder out = new StringBuilder();
        render(nodes, scope, out);
        return out.toString();
    }

    Flow render(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            Flow f = render(n, scope, out);
            if (f != Flow.NORMAL) {
                return f;
            }
        }
        return Flow.NORMAL;
    }

    private Flow render(Node n, Scope scope, StringBuilder out) {
        if (n instanceof Node.Text t) {
            out.append(t.text());
        } else if (n instanceof Node.Output o) {
            out.append(evaluator.string(o.expr(), scope));
        } else if (n instanceof Node.If i) {
            for (int k = 0; k < i.conditions().size(); k++) {
                if (Py.truthy(evaluator.eval(i.conditions().get(k), scope))) {
                    return render(i.bodies().get(k), scope, out);
                }
            }
            return render(i.otherwise(), scope, out);
        } else if (n instanceof Node.For f) {
            forLoop(f, scope, out);
        } else if (n instanceof Node.Set s) {
            assign(s.target(), evaluator.eval(s.value(), scope), scope, s.pos());
        } else if (n instanceof Node.SetBlock s) {
            assign(s.target(), filtered(s.filters(), capture(s.body(), new Scope(scope)), scope), scope, s.pos());
        } else if (n instanceof Node.Macro m) {
            scope.set(m.name(), new Macro(m, scope, this));
        } else if (n instanceof Node.With w) {
            Scope inner = new Scope(scope);
            for (int k = 0; k < w.targets().size(); k++) { // values see the outer scope, as in Jinja2
                assign(w.targets().get(k), evaluator.eval(w.values().get(k), scope), inner, w.pos());
            }
            return render(w.body(), inner, out);
        } else if (n instanceof Node.FilterBlock f) {
            out.append(Py.str(filtered(f.filters(), capture(f.body(), new Scope(scope)), scope)));
        } else if (n instanceof Node.Scoped s) {
            render(s.body(), new Scope(scope), out);
        } else if (n instanceof Node.Break) {
            return Flow.BREAK;
        } else if (n instanceof Node.Continue) {
            return Flow.CONTINUE;
        } else {
            throw new IllegalStateException("unknown node " + n);
        }
        return Flow.NORMAL;
    }

    private void forLoop(Node.For f, Scope scope, StringBuilder out) {
        List<Object> items = evaluator.items(evaluator.eval(f.iterable(), scope), f.iterable().pos());
        if (f.filter() != null) { // "for x in xs if cond": loop.* count only the items that pass
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope probe = new Scope(scope);
                assign(f.target(), item, probe, f.pos());
                if (Py.truthy(evaluator.eval(f.filter(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            render(f.otherwise(), new Scope(scope), out);
            return;
        }
        LoopContext loop = new LoopContext(items);
        for (int i = 0; i < items.size(); i++) {
            loop.index0 = i;
            Scope iteration = new Scope(scope); // a fresh scope each time: sets do not survive an iteration
            assign(f.target(), items.get(i), iteration, f.pos());
            iteration.set("loop", loop);
            if (render(f.body(), iteration, out) == Flow.BREAK) {
                break;
            }
        }
    }

    private Object filtered(List<Expr.Filter> filters, String body, Scope scope) {
        Object value = body;
        for (Expr.Filter f : filters) {
            value = evaluator.eval(new Expr.Filter(new Expr.Literal(value, f.pos()), f.name(), f.fn(), f.args(), f.pos()), scope);
        }
        return value;
    }

    private void assign(Target target, Object value, Scope scope, Pos pos) {
        if (target instanceof Target.Name n) {
            scope.set(n.name(), value);
        } else if (target instanceof Target.Names names) {
            List<Object> values = evaluator.items(value, pos);
            int want = names.names().size();
            if (values.size() != want) {
                throw ChatTemplateException.at(pos, values.size() < want
                        ? "not enough values to unpack (expected " + want + ", got " + values.size() + ")"
                        : "too many values to unpack (expected " + want + ")");
            }
            for (int k = 0; k < want; k++) {
                scope.set(names.names().get(k), values.get(k));
            }
        } else {
            Target.NamespaceAttribute a = (Target.NamespaceAttribute) target;
            if (!(scope.lookup(a.namespace()) instanceof Namespace ns)) {
                throw ChatTemplateException.at(pos, "cannot assign attribute on non-namespace object '" + a.namespace() + "'");
            }
            ns.attributes.put(a.attribute(), value);
        }
    }
}
