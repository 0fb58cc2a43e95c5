package io.sparkllama.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the pieces byte-level BPE encodes one by one, as llama.cpp does for the
 * {@code tokenizer.ggml.pre} value of the file: one or more regular expressions applied in turn,
 * each splitting every piece of the previous pass into its matches and the text between them
 * (both kept). {@code \s} is Unicode White_Space and {@code \p{L}}/{@code \p{N}} the Unicode
 * letter and number categories, as in llama.cpp's tables; the Unicode version is the JDK's.
 */
public final class PreTokenizer {
    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS;

    /** Llama 3's pattern as llama.cpp adapted it: contractions in either case, numbers of 1-3 digits. */
    private static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's: Llama 3's with single digits. */
    private static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** GPT-2's. */
    private static final String GPT2_BASE = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    /** GPT-2's with the final {@code \s+} of llama.cpp's hand-written splitter for it. */
    private static final String GPT2 = GPT2_BASE + "|\\s+";

    /** Each supported {@code tokenizer.ggml.pre} value and its passes (llama.cpp {@code llama-vocab.cpp}). */
    private static final Map<String, String[]> PASSES = new TreeMap<>();
    /** The values for which llama.cpp sets {@code ignore_merges} and adds BOS by default. */
    private static final Set<String> LLAMA3_GROUP = Set.of("llama3", "llama-v3", "llama-bpe", "falcon3");

    static {
        for (String name : LLAMA3_GROUP) {
            PASSES.put(name, new String[] {LLAMA3});
        }
        PASSES.put("dbrx", new String[] {LLAMA3});
        PASSES.put("smaug-bpe", new String[] {LLAMA3});
        PASSES.put("smollm", new String[] {"\\p{N}", GPT2});
        PASSES.put("starcoder", new String[] {"\\p{N}", GPT2});
        PASSES.put("qwen2", new String[] {QWEN2});
        PASSES.put("deepseek-r1-qwen", new String[] {QWEN2});
        PASSES.put("gpt-2", new String[] {GPT2});
        PASSES.put("gpt2", new String[] {GPT2});
        PASSES.put("phi-2", new String[] {GPT2});
        PASSES.put("default", new String[] {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_BASE, "\\p{N}+", "[0-9][0-9][0-9]"});
    }

    private final Pattern[] passes;

    private PreTokenizer(String[] regexes) {
        this.passes = new Pattern[regexes.length];
        for (int i = 0; i < regexes.length; i++) {
            passes[i] = Pattern.compile(regexes[i], FLAGS);
        }
    }

    /**
     * The pre-tokenizer for a {@code tokenizer.ggml.pre} value.
     *
     * @throws IllegalArgumentException for a value this engine does not know, naming it and the known ones
     */
    public static PreTokenizer of(String pre) {
        String[] regexes = PASSES.get(pre);
        if (regexes == null) {
            throw new IllegalArgumentException("tokenizer.ggml.pre \"" + pre + "\" is not supported (known: "
                    + String.join(", ", PASSES.keySet()) + ")");
        }
        return new PreTokenizer(regexes);
    }

    /** The supported {@code tokenizer.ggml.pre} values. */
    public static Set<String> names() {
        return PASSES.keySet();
    }

    /** Whether llama.cpp emits a pre-token that is itself a token without merging, for this value. */
    public static boolean ignoresMerges(String pre) {
        return LLAMA3_GROUP.contains(pre);
    }

    /** Whether llama.cpp adds BOS for this value when the file does not say. */
    public static boolean addsBos(String pre) {
        return LLAMA3_GROUP.contains(pre);
    }

    /** Appends the [start, end) char offsets of the pieces of {@code text[from, to)} to {@code bounds}. */
    void split(String text, int from, int to, IntList bounds) {
        IntList current = new IntList();
        current.add(from);
        current.add(to);
        for (Pattern p : passes) {
            IntList next = new IntList();
            Matcher m = p.matcher(text);
            for (int i = 0; i < current.size(); i += 2) {
                splitOne(m, current.get(i), current.get(i + 1), next);
            }
            current = next;
        }
        bounds.addAll(current);
    }

    private static void splitOne(Matcher m, int start, int end, IntList out) {
        m.region(start, end);
        int at = start;
        while (m.find()) {
            if (m.start() == m.end()) {
                continue; // no pattern here matches empty text; guard against a zero-width loop
            }
            if (m.start() > at) {
                out.add(at);
                out.add(m.start());
            }
            out.add(m.start());
            out.add(m.end());
            at = m.end();
        }
        if (at < end) {
            out.add(at);
            out.add(end);
        }
    }

    /** Pieces of a text as strings (for tests and tools). */
    public List<String> pieces(String text) {
        IntList b = new IntList();
        split(text, 0, text.length(), b);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b.size(); i += 2) {
            out.add(text.substring(b.get(i), b.get(i + 1)));
        }
        return out;
    }
}
