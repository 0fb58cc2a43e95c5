package io.sparkllama.chat;

import java.time.LocalDate;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * {@code strftime_now(format)} on a fixed date, with C-locale English names. The renderer knows
 * only the date, so the time-of-day directives (%H, %M, %S, %p, %c, ...) are refused rather than
 * printed as midnight.
 */
final class Strftime {
    private Strftime() {
    }

    static String format(String format, LocalDate date) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 1 >= format.length()) {
                throw new JinjaError("strftime_now: the format ends with a lone '%'");
            }
            boolean unpadded = format.charAt(i + 1) == '-' && i + 2 < format.length(); // glibc's %-d
            char d = format.charAt(unpadded ? i + 2 : i + 1);
            i += unpadded ? 2 : 1;
            out.append(directive(d, unpadded, date));
        }
        return out.toString();
    }

    private static String directive(char d, boolean unpadded, LocalDate date) {
        return switch (d) {
            case 'a' -> date.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> date.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b', 'h' -> date.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> date.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'd' -> number(date.getDayOfMonth(), 2, unpadded);
            case 'e' -> unpadded ? number(date.getDayOfMonth(), 2, true) : String.format(Locale.ROOT, "%2d", date.getDayOfMonth());
            case 'm' -> number(date.getMonthValue(), 2, unpadded);
            case 'y' -> number(date.getYear() % 100, 2, unpadded);
            case 'Y' -> Integer.toString(date.getYear());
            case 'j' -> number(date.getDayOfYear(), 3, unpadded);
            case 'u' -> Integer.toString(date.getDayOfWeek().getValue());
            case 'w' -> Integer.toString(date.getDayOfWeek().getValue() % 7);
            case 'F' -> date.getYear() + "-" + number(date.getMonthValue(), 2, false) + "-" + number(date.getDayOfMonth(), 2, false);
            case 'D' -> number(date.getMonthValue(), 2, false) + "/" + number(date.getDayOfMonth(), 2, false) + "/"
                    + number(date.getYear() % 100, 2, false);
            case '%' -> "%";
            case 'H', 'I', 'M', 'S', 'p', 'f', 'c', 'x', 'X', 'z', 'Z', 'T', 'R', 'r', 's', 'k', 'l', 'P' ->
                    throw new JinjaError("strftime_now: %" + d + " needs the time of day, and templates are rendered on a date only");
            default -> throw new JinjaError("strftime_now: the directive %" + d + " is not supported");
        };
    }

    private static String number(int n, int width, boolean unpadded) {
        String s = Integer.toString(n);
        return unpadded || s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }
}
