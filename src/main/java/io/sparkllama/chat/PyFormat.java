package io.sparkllama.chat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Python's number printing and the two string formatting operators templates use. */
final class PyFormat {
    private PyFormat() {
    }

    /**
     * {@code repr(float)}: the shortest digits that read back as the same double, in positional
     * notation for exponents from -4 to 16 and as {@code 1e+16} style outside.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            shortest = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (shortest.doubleValue() == d) {
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        String ds = shortest.unscaledValue().abs().toString();
        int point = ds.length() - shortest.scale(); // digits before the decimal point
        String sign = d < 0 ? "-" : "";
        if (point > 16 || point < -3) {
            String mantissa = ds.length() == 1 ? ds : ds.charAt(0) + "." + ds.substring(1);
            int exp = point - 1;
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        if (point <= 0) {
            return sign + "0." + "0".repeat(-point) + ds;
        }
        if (point >= ds.length()) {
            return sign + ds + "0".repeat(point - ds.length()) + ".0";
        }
        return sign + ds.substring(0, point) + "." + ds.substring(point);
    }

    /** Python's {@code round(x, n)} for floats: the exact binary value rounded half to even. */
    static double round(double x, long digits) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale((int) Math.max(-400, Math.min(400, digits)), RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * {@code format % args} for the conversions {@code %s %r %d %i %%}; anything richer (widths,
     * precisions, %f) is refused rather than approximated.
     */
    static String percent(String format, Object args) {
        List<?> values = args instanceof Tuple t ? t : java.util.Collections.singletonList(args);
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (++i >= format.length()) {
                throw new JinjaError("incomplete format");
            }
            char conv = format.charAt(i);
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (conv != 's' && conv != 'r' && conv != 'd' && conv != 'i') {
                throw new JinjaError("the % format '%" + conv + "' is not supported (only %s, %r, %d, %i and %%)");
            }
            if (next >= values.size()) {
                throw new JinjaError("not enough arguments for format string");
            }
            Object v = values.get(next++);
            if (conv == 's') {
                out.append(Py.str(v));
            } else if (conv == 'r') {
                out.append(Py.repr(v));
            } else if (Py.isNumber(v)) {
                out.append(v instanceof Double d ? (long) (double) d : Py.asLong(v));
            } else {
                throw new JinjaError("%" + conv + " format: a real number is required, not " + Py.typeName(v));
            }
        }
        if (next < values.size()) {
            throw new JinjaError("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    /** {@code str.format(*args, **kwargs)} with plain fields {@code {}}, {@code {0}}, {@code {name}}; no format specs. */
    static String format(String format, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < format.length() && format.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '{') {
                int close = format.indexOf('}', i);
                if (close < 0) {
                    throw new JinjaError("Single '{' encountered in format string");
                }
                String field = format.substring(i + 1, close);
                Object v;
                if (field.isEmpty()) {
                    v = argument(args, auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    v = argument(args, Integer.parseInt(field));
                } else if (field.chars().allMatch(ch -> Character.isLetterOrDigit(ch) || ch == '_')) {
                    if (!kwargs.containsKey(field)) {
                        throw new JinjaError("KeyError: " + Py.repr(field));
                    }
                    v = kwargs.get(field);
                } else {
                    throw new JinjaError("str.format field '{" + field + "}' is not supported (only {}, {0} and {name})");
                }
                out.append(Py.str(v));
                i = close;
            } else if (c == '}') {
                throw new JinjaError("Single '}' encountered in format string");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object argument(List<Object> args, int index) {
        if (index >= args.size()) {
            throw new JinjaError("Replacement index " + index + " out of range for positional args tuple");
        }
        return args.get(index);
    }
}
