package io.sparkllama.engine;

import java.util.List;

/**
 * Finds the first stop string in generated text as it streams in, and says how much of the
 * text is safe to release: a tail that could still become a stop string is held back.
 */
final class StopMatcher {
    private final List<String> stops;
    private final int longest;

    StopMatcher(List<String> stops) {
        this.stops = stops;
        int m = 0;
        for (String s : stops) {
            m = Math.max(m, s.length());
        }
        this.longest = m;
    }

    /**
     * Index in {@code text} where the earliest stop string begins, or -1. Only the part after
     * {@code from} (minus the longest stop's length) is searched; earlier text was checked before.
     */
    int find(CharSequence text, int from) {
        if (stops.isEmpty()) {
            return -1;
        }
        int start = Math.max(0, from - longest + 1);
        String s = text.toString();
        int best = -1;
        for (String stop : stops) {
            int i = s.indexOf(stop, start);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** Length of the prefix of {@code text} that no stop string can still start in. */
    int safeLength(CharSequence text) {
        int n = text.length();
        if (stops.isEmpty()) {
            return n;
        }
        for (int k = Math.min(longest - 1, n); k > 0; k--) {
            CharSequence tail = text.subSequence(n - k, n);
            for (String stop : stops) {
                if (stop.length() > k && stop.startsWith(tail.toString())) {
                    return n - k;
                }
            }
        }
        return n;
    }
}
