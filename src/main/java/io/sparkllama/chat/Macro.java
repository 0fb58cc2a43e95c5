package io.sparkllama.chat;

import java.util.List;

/**
 * A {@code {% macro %}} as a value: calling it renders its body in a new scope over the scope it
 * was defined in, with the parameters bound (missing ones undefined or their default).
 */
final class Macro implements JinjaCallable {
    private final Node.Macro node;
    private final Scope definedIn;
    private final Renderer renderer;

    Macro(Node.Macro node, Scope definedIn, Renderer renderer) {
        this.node = node;
        this.definedIn = definedIn;
        this.renderer = renderer;
    }

    @Override
    public Object call(Args a) {
        List<String> params = node.params();
        if (a.positional.size() > params.size()) {
            throw new JinjaError("macro '" + node.name() + "' takes not more than " + params.size() + " argument(s)");
        }
        for (String k : a.keywords.keySet()) {
            if (!params.contains(k)) {
                throw new JinjaError("macro '" + node.name() + "' takes no keyword argument '" + k + "'");
            }
        }
        Scope scope = new Scope(definedIn);
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            Object value;
            if (i < a.positional.size()) {
                if (a.keywords.containsKey(p)) {
                    throw new JinjaError("macro '" + node.name() + "' got multiple values for argument '" + p + "'");
                }
                value = a.positional.get(i);
            } else if (a.keywords.containsKey(p)) {
                value = a.keywords.get(p);
            } else if (node.defaults().get(i) != null) {
                value = renderer.evaluate(node.defaults().get(i), scope);
            } else {
                value = Undefined.because("parameter '" + p + "' was not provided");
            }
            scope.set(p, value);
        }
        return renderer.capture(node.body(), scope);
    }

    @Override
    public String toString() {
        return "<Macro '" + node.name() + "'>";
    }
}
