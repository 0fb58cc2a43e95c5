package io.sparkllama.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of decoded token pieces into text. A character whose UTF-8 bytes arrive in
 * several byte-fallback tokens is emitted once complete; invalid or unfinished sequences become
 * U+FFFD. As llama2.c's {@code safe_printf} does, a one-byte piece that is an ASCII control
 * character other than whitespace (BEL, ESC, DEL, ...) is dropped. Unlike run.c, which drops
 * every lone byte of 0x80 or more, bytes that form a character are kept.
 *
 * <p>One instance per sequence; not thread-safe.
 */
public final class TextDecoder {
    private final byte[] pending = new byte[4];
    private int pendingLength;
    private int expected;

    /** Feeds one piece, returns the text completed by it (possibly empty). */
    public String push(byte[] piece) {
        if (piece.length == 1 && isDroppedControl(piece[0])) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int runStart = -1;
        for (int i = 0; i < piece.length; i++) {
            int b = piece[i] & 0xFF;
            if (pendingLength == 0 && b < 0x80) {
                if (runStart < 0) {
                    runStart = i;
                }
                continue;
            }
            if (runStart >= 0) {
                out.append(new String(piece, runStart, i - runStart, StandardCharsets.US_ASCII));
                runStart = -1;
            }
            accept(b, out);
        }
        if (runStart >= 0) {
            out.append(new String(piece, runStart, piece.length - runStart, StandardCharsets.US_ASCII));
        }
        return out.toString();
    }

    /** Ends the stream: an unfinished character becomes U+FFFD. */
    public String finish() {
        if (pendingLength == 0) {
            return "";
        }
        pendingLength = 0;
        return "\uFFFD";
    }

    private void accept(int b, StringBuilder out) {
        if (pendingLength > 0) {
            if ((b & 0xC0) == 0x80) {
                pending[pendingLength++] = (byte) b;
                if (pendingLength == expected) {
                    out.append(new String(pending, 0, pendingLength, StandardCharsets.UTF_8));
                    pendingLength = 0;
                }
                return;
            }
            out.append('\uFFFD'); // the pending character was cut short
            pendingLength = 0;
        }
        if (b < 0x80) {
            out.append((char) b);
            return;
        }
        int len = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
        if (len == 0) {
            out.append('\uFFFD'); // stray continuation byte or a lead byte no UTF-8 uses
            return;
        }
        pending[0] = (byte) b;
        pendingLength = 1;
        expected = len;
    }

    private static boolean isDroppedControl(byte b) {
        int c = b & 0xFF;
        boolean whitespace = c == ' ' || (c >= '\t' && c <= '\r');
        return (c < 0x20 || c == 0x7F) && !whitespace;
    }
}
