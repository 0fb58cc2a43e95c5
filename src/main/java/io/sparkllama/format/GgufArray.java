package io.sparkllama.format;

/**
 * A GGUF metadata array. {@code values} is a {@code long[]} for every integer element type,
 * {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}, or {@code GgufArray[]}
 * for nested arrays.
 *
 * @param elementType GGUF value type id of the elements
 * @param length      number of elements
 * @param values      the typed array described above
 */
public record GgufArray(int elementType, int length, Object values) {

    private static final String[] TYPE_NAMES = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool",
        "string", "array", "uint64", "int64", "float64"};

    /** GGUF's name of the element type, e.g. "string" or "float32". */
    public String elementTypeName() {
        return elementType >= 0 && elementType < TYPE_NAMES.length ? TYPE_NAMES[elementType] : "type " + elementType;
    }

    /** The values as strings; fails when the elements are not strings. */
    public String[] strings() {
        if (values instanceof String[] s) {
            return s;
        }
        throw new IllegalStateException("array of type " + elementType + " is not an array of strings");
    }

    /** The values as floats (integer and double elements are converted). */
    public float[] floats() {
        if (values instanceof float[] f) {
            return f;
        }
        float[] out = new float[length];
        if (values instanceof long[] l) {
            for (int i = 0; i < length; i++) {
                out[i] = l[i];
            }
        } else if (values instanceof double[] d) {
            for (int i = 0; i < length; i++) {
                out[i] = (float) d[i];
            }
        } else {
            throw new IllegalStateException("array of type " + elementType + " is not numeric");
        }
        return out;
    }

    /** The values as ints; fails when the elements are not integers. */
    public int[] ints() {
        if (values instanceof long[] l) {
            int[] out = new int[length];
            for (int i = 0; i < length; i++) {
                out[i] = (int) l[i];
            }
            return out;
        }
        throw new IllegalStateException("array of type " + elementType + " is not an integer array");
    }
}
