package io.sparkllama.tokenizer;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's byte-to-character map, which byte-level BPE vocabularies store their tokens in: bytes
 * 0x21-0x7E, 0xA1-0xAC and 0xAE-0xFF stand for the character of the same value; the other 68
 * bytes, in increasing order, for U+0100 to U+0143 (so a space is 'Ġ' U+0120, a newline 'Ċ').
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean self = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            char c = self ? (char) b : (char) next++;
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for byte {@code b}. */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b & 0xFF];
    }

    /** A byte string in GPT-2 characters. */
    static String encode(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes a token text in GPT-2 characters stands for, or null when the text holds a
     * character outside the map (the token is then not byte-level; its text is used as it is).
     */
    static byte[] decode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
            if (b < 0) {
                return null;
            }
            out.write(b);
        }
        return out.toByteArray();
    }
}
