package io.sparkllama.model;

import io.sparkllama.format.GgmlType;
import io.sparkllama.format.GgufReader;
import io.sparkllama.format.ModelFile;
import io.sparkllama.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Linear rope scaling and {@code rope_freqs} divide the rotation frequencies: a halved scale, or
 * a factor of 2 on a pair, turns position 2p into what position p was, bit for bit (halving a
 * float is exact); a factor of 1 changes nothing.
 */
class RopeTableTest {
    private static final int HEAD = 16;

    @Test
    void scaleAndFactorsDivideTheFrequency() {
        RopeTable plain = table(1f, null);
        RopeTable halved = table(0.5f, null);
        RopeTable ones = table(1f, new float[] {1, 1, 1, 1, 1, 1, 1, 1});
        RopeTable twos = table(1f, new float[] {2, 2, 2, 2, 2, 2, 2, 2});
        for (int p = 0; p < 600; p += 37) {
            float[] want = rotated(plain, p);
            assertArrayEquals(want, rotated(halved, 2 * p), "scale 0.5 at " + 2 * p);
            assertArrayEquals(want, rotated(twos, 2 * p), "factor 2 at " + 2 * p);
            assertArrayEquals(want, rotated(ones, p), "factor 1 at " + p);
        }
    }

    @Test
    void linearScalingIsReadFromTheFile(@TempDir Path dir) throws Exception {
        Path f = TestModels.stories260K(GgmlType.F32, Map.of()).string("llama.rope.scaling.type", "linear")
                .f32("llama.rope.scaling.factor", 4f).write(dir.resolve("linear.gguf"));
        try (ModelFile file = GgufReader.open(f)) {
            assertEquals(0.25f, LlamaConfig.read(file).ropeScale());
        }
    }

    private static RopeTable table(float scale, float[] factors) {
        RopeTable t = new RopeTable(2048, HEAD, 500000f, scale, factors);
        t.ensure(2048);
        return t;
    }

    private static float[] rotated(RopeTable t, int pos) {
        float[] x = new float[2 * HEAD];
        Random r = new Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        t.apply(x, 0, 2, HEAD, pos);
        return x;
    }
}
