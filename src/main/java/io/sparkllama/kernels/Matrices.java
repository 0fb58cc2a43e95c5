package io.sparkllama.kernels;

import io.sparkllama.format.TensorData;

/** Builds the kernel matrix for a tensor read from a model file, by the tensor's own type. */
public final class Matrices {
    private Matrices() {
    }

    public static WeightMatrix of(TensorData t) {
        switch (t.type) {
            case F32: return new F32Matrix(t.name, t.rows, t.cols, t.f32);
            case F16: return new F16Matrix(t.name, t.rows, t.cols, t.bits16);
            case BF16: return new Bf16Matrix(t.name, t.rows, t.cols, t.bits16);
            case Q8_0: return new Q8Matrix(t.name, t.rows, t.cols, t.blocks);
            case Q4_0: return new Q4Matrix(t.name, t.rows, t.cols, t.blocks);
            case Q4_1: return new Q41Matrix(t.name, t.rows, t.cols, t.blocks);
            case Q5_0:
            case Q5_1: return new Q50Matrix(t.name, t.type, t.rows, t.cols, t.blocks);
            case IQ4_NL:
            case IQ4_XS: return new Iq4Matrix(t.name, t.type, t.rows, t.cols, t.blocks);
            case Q2_K: return new Q2KMatrix(t.name, t.rows, t.cols, t.blocks);
            case Q3_K: return new Q3KMatrix(t.name, t.rows, t.cols, t.blocks);
            case Q4_K: return new Q4KMatrix(t.name, t.rows, t.cols, t.blocks);
            case Q5_K: return new Q5KMatrix(t.name, t.rows, t.cols, t.blocks);
            case Q6_K: return new Q6KMatrix(t.name, t.rows, t.cols, t.blocks);
            default: throw new IllegalArgumentException(t.name + ": no kernel for type " + t.type);
        }
    }
}
