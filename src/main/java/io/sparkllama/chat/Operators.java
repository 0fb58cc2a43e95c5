package io.sparkllama.chat;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's arithmetic, concatenation and comparison operators on template values. Integers stay
 * exact (an overflow of 64 bits is an error, where Python would grow), {@code /} always gives a
 * float, {@code //} and {@code %} round toward negative infinity.
 */
final class Operators {
    private Operators() {
    }

    static Object binary(String op, Object a, Object b) {
        if (op.equals("~")) {
            return Py.str(a) + Py.str(b);
        }
        Undefined.check(a);
        Undefined.check(b);
        boolean numbers = Py.isNumber(a) && Py.isNumber(b);
        boolean ints = Py.isInteger(a) && Py.isInteger(b);
        switch (op) {
            case "+":
                if (numbers) {
                    return ints ? (Object) Math.addExact(Py.asLong(a), Py.asLong(b)) : Py.asDouble(a) + Py.asDouble(b);
                }
                if (a instanceof String x && b instanceof String y) {
                    return x + y;
                }
                if (a instanceof String) {
                    throw new JinjaError("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
                }
                if (a instanceof List<?> x && b instanceof List<?> y && !(a instanceof PyRange) && !(b instanceof PyRange)
                        && (a instanceof Tuple) == (b instanceof Tuple)) {
                    List<Object> out = new ArrayList<>(x);
                    out.addAll(y);
                    return a instanceof Tuple ? new Tuple(out.toArray()) : out;
                }
                break;
            case "-":
                if (numbers) {
                    return ints ? (Object) Math.subtractExact(Py.asLong(a), Py.asLong(b)) : Py.asDouble(a) - Py.asDouble(b);
                }
                break;
            case "*":
                if (numbers) {
                    return ints ? (Object) Math.multiplyExact(Py.asLong(a), Py.asLong(b)) : Py.asDouble(a) * Py.asDouble(b);
                }
                if (Py.isInteger(b) && (a instanceof String || a instanceof List)) {
                    return repeat(a, Py.asLong(b));
                }
                if (Py.isInteger(a) && (b instanceof String || b instanceof List)) {
                    return repeat(b, Py.asLong(a));
                }
                break;
            case "/":
                if (numbers) {
                    if (Py.asDouble(b) == 0) {
                        throw new JinjaError("division by zero");
                    }
                    return Py.asDouble(a) / Py.asDouble(b);
                }
                break;
            case "//":
            case "%":
                if (a instanceof String s && op.equals("%")) {
                    return PyFormat.percent(s, b);
                }
                if (numbers) {
                    return divMod(op, a, b, ints);
                }
                break;
            case "**":
                if (numbers) {
                    return power(a, b, ints);
                }
                break;
            default:
                throw new IllegalStateException(op);
        }
        throw new JinjaError("unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '" + Py.typeName(b) + "'");
    }

    private static Object repeat(Object seq, long times) {
        if (seq instanceof String s) {
            return times <= 0 ? "" : s.repeat(Math.toIntExact(times));
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof Tuple ? new Tuple(out.toArray()) : out;
    }

    private static Object divMod(String op, Object a, Object b, boolean ints) {
        if (ints) {
            long x = Py.asLong(a), y = Py.asLong(b);
            if (y == 0) {
                throw new JinjaError("integer division or modulo by zero");
            }
            return op.equals("//") ? Math.floorDiv(x, y) : Math.floorMod(x, y);
        }
        double x = Py.asDouble(a), y = Py.asDouble(b);
        if (y == 0) {
            throw new JinjaError(op.equals("//") ? "float floor division by zero" : "float modulo");
        }
        // CPython's float_divmod
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0) {
            if ((y < 0) != (mod < 0)) {
                mod += y;
                div -= 1;
            }
        } else {
            mod = Math.copySign(0, y);
        }
        if (op.equals("%")) {
            return mod;
        }
        if (div == 0) {
            return Math.copySign(0, x / y);
        }
        double floor = Math.floor(div);
        return div - floor > 0.5 ? floor + 1 : floor;
    }

    private static Object power(Object a, Object b, boolean ints) {
        if (ints && Py.asLong(b) >= 0) {
            long base = Py.asLong(a), exponent = Py.asLong(b);
            if (base == -1) {
                return exponent % 2 == 0 ? 1L : -1L;
            }
            long result = 1;
            for (long e = exponent; e > 0 && result != 0 && base != 1; e--) {
                result = Math.multiplyExact(result, base); // |base| >= 2 overflows within 63 steps
            }
            return result;
        }
        double x = Py.asDouble(a), y = Py.asDouble(b);
        if (x == 0 && y < 0) {
            throw new JinjaError("zero to a negative power");
        }
        double r = Math.pow(x, y);
        if (Double.isNaN(r) && !Double.isNaN(x) && !Double.isNaN(y)) {
            throw new JinjaError("a negative number to a fractional power is complex, which templates do not support");
        }
        return r;
    }

    static Object unary(String op, Object v) {
        if (op.equals("not")) {
            return !Py.truthy(v);
        }
        Undefined.check(v);
        if (!Py.isNumber(v)) {
            throw new JinjaError("bad operand type for unary " + op + ": '" + Py.typeName(v) + "'");
        }
        if (op.equals("+")) {
            return v instanceof Boolean ? (Object) Py.asLong(v) : v;
        }
        return v instanceof Double d ? (Object) (-d) : (Object) Math.negateExact(Py.asLong(v));
    }

    /** One link of a comparison chain. */
    static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> Py.eq(a, b);
            case "!=" -> !Py.eq(a, b);
            case "<" -> Py.compare(a, b, op) < 0;
            case "<=" -> Py.compare(a, b, op) <= 0;
            case ">" -> Py.compare(a, b, op) > 0;
            case ">=" -> Py.compare(a, b, op) >= 0;
            case "in" -> Py.contains(b, a);
            case "notin" -> !Py.contains(b, a);
            default -> throw new IllegalStateException(op);
        };
    }
}
