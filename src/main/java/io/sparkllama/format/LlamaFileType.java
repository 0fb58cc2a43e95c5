package io.sparkllama.format;

/**
 * Names of llama.cpp's {@code llama_ftype} values, the number a GGUF file stores in
 * {@code general.file_type}: what the quantizer was asked for (e.g. 15, MOSTLY_Q4_K_M), not a
 * promise about every tensor, which the mixes and fallbacks of llama-quantize vary per tensor.
 */
public final class LlamaFileType {
    /** Index = ftype value; null where llama.h has no value. Values 4-6 and 33-35 were removed from llama.cpp but may be in old files. */
    private static final String[] NAMES = {
        "ALL_F32", "MOSTLY_F16", "MOSTLY_Q4_0", "MOSTLY_Q4_1", "MOSTLY_Q4_1_SOME_F16", "MOSTLY_Q4_2", "MOSTLY_Q4_3",
        "MOSTLY_Q8_0", "MOSTLY_Q5_0", "MOSTLY_Q5_1", "MOSTLY_Q2_K", "MOSTLY_Q3_K_S", "MOSTLY_Q3_K_M", "MOSTLY_Q3_K_L",
        "MOSTLY_Q4_K_S", "MOSTLY_Q4_K_M", "MOSTLY_Q5_K_S", "MOSTLY_Q5_K_M", "MOSTLY_Q6_K", "MOSTLY_IQ2_XXS",
        "MOSTLY_IQ2_XS", "MOSTLY_Q2_K_S", "MOSTLY_IQ3_XS", "MOSTLY_IQ3_XXS", "MOSTLY_IQ1_S", "MOSTLY_IQ4_NL",
        "MOSTLY_IQ3_S", "MOSTLY_IQ3_M", "MOSTLY_IQ2_S", "MOSTLY_IQ2_M", "MOSTLY_IQ4_XS", "MOSTLY_IQ1_M", "MOSTLY_BF16",
        "MOSTLY_Q4_0_4_4", "MOSTLY_Q4_0_4_8", "MOSTLY_Q4_0_8_8", "MOSTLY_TQ1_0", "MOSTLY_TQ2_0", "MOSTLY_MXFP4_MOE",
        "MOSTLY_NVFP4", "MOSTLY_Q1_0",
    };
    /** What llama.cpp writes when the file type was not given. */
    private static final long GUESSED = 1024;

    private LlamaFileType() {
    }

    /** llama.h's name without the {@code LLAMA_FTYPE_} prefix, e.g. "MOSTLY_Q4_K_M"; "unknown" for other values. */
    public static String name(long ftype) {
        if (ftype == GUESSED) {
            return "GUESSED";
        }
        return ftype >= 0 && ftype < NAMES.length ? NAMES[(int) ftype] : "unknown";
    }
}
