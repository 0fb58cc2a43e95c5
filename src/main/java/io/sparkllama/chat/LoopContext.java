package io.sparkllama.chat;

import java.util.List;

/** The {@code loop} variable of a for loop: index, first/last, length, neighbours, cycle(), changed(). */
final class LoopContext {
    private final List<Object> items;
    /** The current iteration, advanced by the renderer. */
    int index0;
    private List<Object> lastChanged;

    LoopContext(List<Object> items) {
        this.items = items;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.because("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.because("there is no next item");
            case "cycle" -> (JinjaCallable) this::cycle;
            case "changed" -> (JinjaCallable) this::changed;
            default -> Undefined.member(this, name);
        };
    }

    private Object cycle(Args a) {
        a.noKeywords("cycle");
        if (a.positional.isEmpty()) {
            throw new JinjaError("no items for cycling given");
        }
        return a.positional.get(index0 % a.positional.size());
    }

    /** True on the first call and whenever the arguments differ from the previous call's. */
    private Object changed(Args a) {
        a.noKeywords("changed");
        if (lastChanged != null && Py.eq(lastChanged, a.positional)) {
            return false;
        }
        lastChanged = a.positional;
        return true;
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
