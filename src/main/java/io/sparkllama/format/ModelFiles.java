package io.sparkllama.format;

import io.sparkllama.tokenizer.Vocabulary;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Opens model and tokenizer files of any supported format, recognised by content rather than name. */
public final class ModelFiles {
    private ModelFiles() {
    }

    /** Opens a GGUF file (by its magic) or else a llama2.c checkpoint. */
    public static ModelFile open(Path path) throws ModelFormatException {
        return isGguf(path) ? GgufReader.open(path) : Llama2cReader.open(path);
    }

    /**
     * Reads a tokenizer file: the vocabulary embedded in a GGUF file, or a llama2.c
     * {@code tokenizer.bin} read for {@code vocabSize} tokens (all of the file's when negative).
     */
    public static Vocabulary readTokenizer(Path path, int vocabSize) throws ModelFormatException {
        if (isGguf(path)) {
            try (ModelFile f = GgufReader.open(path)) {
                if (!GgufVocabulary.present(f)) {
                    throw f.error("GGUF file has no embedded tokenizer");
                }
                return GgufVocabulary.read(f);
            }
        }
        return Llama2cTokenizerReader.read(path, vocabSize);
    }

    /** Whether the file starts with the GGUF magic. */
    public static boolean isGguf(Path path) throws ModelFormatException {
        if (Files.isDirectory(path)) {
            throw new ModelFormatException(path, "is a directory, not a file");
        }
        try (InputStream s = Files.newInputStream(path)) {
            byte[] m = s.readNBytes(4);
            return m.length == 4 && m[0] == 'G' && m[1] == 'G' && m[2] == 'U' && m[3] == 'F';
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path, "no such file");
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e.getMessage(), e);
        }
    }
}
