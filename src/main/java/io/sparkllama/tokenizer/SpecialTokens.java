package io.sparkllama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds special tokens written in text before the text is tokenized, as llama.cpp's
 * {@code tokenizer_st_partition} does: every CONTROL, USER_DEFINED and UNKNOWN token, longest
 * text first, takes all its occurrences out of the text that is left. USER_DEFINED tokens are
 * always matched; CONTROL and UNKNOWN ones only when the caller parses special tokens (chat
 * templates do, user text does not).
 */
final class SpecialTokens {
    /** A token's text and id. */
    private record Special(String text, int id, boolean always) {
    }

    private final List<Special> byLength = new ArrayList<>();

    SpecialTokens(Vocabulary vocab) {
        for (int i = 0; i < vocab.size(); i++) {
            TokenType t = vocab.type(i);
            if ((t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN) && vocab.piece(i).length > 0) {
                byLength.add(new Special(new String(vocab.piece(i), StandardCharsets.UTF_8), i, t == TokenType.USER_DEFINED));
            }
        }
        byLength.sort(Comparator.comparingInt((Special s) -> -s.text.length()).thenComparingInt(Special::id));
    }

    /** A piece of the text: a token id ({@code token >= 0}) or the raw text [start, end). */
    record Fragment(int token, int start, int end) {
        boolean isToken() {
            return token >= 0;
        }
    }

    /** Splits text into raw fragments and special tokens, in order. */
    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> parts = new ArrayList<>();
        parts.add(new Fragment(-1, 0, text.length()));
        for (Special s : byLength) {
            if ((!parseSpecial && !s.always) || !text.contains(s.text)) {
                continue;
            }
            List<Fragment> next = new ArrayList<>(parts.size() + 2);
            for (Fragment f : parts) {
                if (f.isToken()) {
                    next.add(f);
                    continue;
                }
                int at = f.start;
                int hit;
                while ((hit = text.indexOf(s.text, at)) >= 0 && hit + s.text.length() <= f.end) {
                    if (hit > at) {
                        next.add(new Fragment(-1, at, hit));
                    }
                    next.add(new Fragment(s.id, hit, hit + s.text.length()));
                    at = hit + s.text.length();
                }
                if (at < f.end) {
                    next.add(new Fragment(-1, at, f.end));
                }
            }
            parts = next;
        }
        return parts;
    }
}
