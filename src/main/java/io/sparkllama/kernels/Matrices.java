package io.sparkllama.kernels;

import io.sparkllama.format.TensorData;

/** Builds the kernel matrix for a tensor read from a model file. */
public final class Matrices {
    private Matrices() {
    }

    public static WeightMatrix of(TensorData t) {
        switch (t.type) {
            case F32: return new F32Matrix(t.name, t.rows, t.cols, t.f32);
            case F16: return new F16Matrix(t.name, t.rows, t.cols, t.bits16);
            case BF16: return new Bf16Matrix(t.name, t.rows, t.cols, t.bits16);
            case Q8_0: return new Q8Matrix(t.name, t.rows, t.cols, t.quants, t.scales);
            case Q4_0: return new Q4Matrix(t.name, t.rows, t.cols, t.quants, t.scales);
            default: throw new IllegalArgumentException(t.name + ": no kernel for type " + t.type);
        }
    }
}
