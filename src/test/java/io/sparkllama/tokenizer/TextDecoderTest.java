package io.sparkllama.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TextDecoderTest {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void charactersSplitOverPiecesAreEmittedWhenComplete() {
        TextDecoder d = new TextDecoder();
        assertEquals("", d.push(b(0xF0)));
        assertEquals("", d.push(b(0x9F)));
        assertEquals("", d.push(b(0x98)));
        assertEquals("😀", d.push(b(0x80)));
        assertEquals(" ok", d.push(" ok".getBytes(StandardCharsets.UTF_8)));
        assertEquals("", d.finish());
    }

    @Test
    void invalidAndUnfinishedSequencesBecomeReplacementCharacters() {
        TextDecoder d = new TextDecoder();
        assertEquals("\uFFFD", d.push(b(0x80)));
        assertEquals("", d.push(b(0xE4, 0xBD)));
        assertEquals("\uFFFDa", d.push(b('a')));
        assertEquals("", d.push(b(0xC3)));
        assertEquals("\uFFFD", d.finish());
        assertEquals("\uFFFD", new TextDecoder().push(b(0xFF)));
    }

    @Test
    void controlBytesAloneAreDroppedButWhitespaceKept() {
        TextDecoder d = new TextDecoder();
        assertEquals("", d.push(b(0x07)));
        assertEquals("", d.push(b(0x1B)));
        assertEquals("", d.push(b(0x7F)));
        assertEquals("\n", d.push(b('\n')));
        assertEquals("\t", d.push(b('\t')));
        assertEquals("x\u0007y", d.push(b('x', 7, 'y')), "only one-byte pieces are filtered, as run.c does");
    }
}
