package io.sparkllama.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The lines of a UTF-8 text file, each decoded strictly on its own: a line that is not valid UTF-8
 * comes back as an error naming it (the rest of the file is unaffected), never with bytes replaced
 * by U+FFFD. A byte-order mark at the start of the file is dropped; lines end at {@code \n}, and a
 * {@code \r} before it is dropped.
 */
final class Utf8Lines implements Closeable {
    /** One line: its 1-based number and its text, or why it could not be decoded (then {@code text} is null). */
    record Line(long number, String text, String error) {
    }

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private long number;

    Utf8Lines(InputStream in) {
        this.in = new BufferedInputStream(in, 1 << 16);
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        buffer.reset();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            buffer.write(b);
        }
        if (b < 0 && buffer.size() == 0) {
            return null;
        }
        number++;
        byte[] bytes = buffer.toByteArray();
        int start = number == 1 && bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        int end = bytes.length > start && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        try {
            return new Line(number, decoder.decode(ByteBuffer.wrap(bytes, start, end - start)).toString(), null);
        } catch (CharacterCodingException e) {
            return new Line(number, null, "line " + number + " is not valid UTF-8");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
