package io.sparkllama.cli;

import io.sparkllama.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code machine} with a tiny budget: the report's shape and that every figure is positive, never how fast. */
class MachineCommandTest {
    @Test
    @SuppressWarnings("unchecked")
    void reportsPositiveFiguresAndTheFlags() {
        CliTest.Run run = CliTest.run("machine", "--seconds", "0.3", "--dram-mib", "32");
        assertEquals(0, run.status(), run.err());
        Map<String, Object> r = (Map<String, Object>) Json.parse(run.out());

        Map<String, Object> flags = (Map<String, Object>) r.get("flags");
        assertEquals(CpuInfo.FLAGS, List.copyOf(flags.keySet()));
        flags.values().forEach(v -> assertTrue(v == null || v instanceof Boolean, String.valueOf(v)));
        assertEquals((long) Runtime.getRuntime().availableProcessors(), r.get("cpus"));
        long bits = (Long) r.get("species_preferred_bits");
        assertTrue(bits >= 64, "species bits " + bits);
        assertNotNull(((Map<String, Object>) r.get("jdk")).get("version"));

        for (String figure : List.of("dram_read_gb_s", "l2_read_gb_s", "fma_256_gflops", "fma_512_gflops")) {
            Map<String, Object> perThreads = (Map<String, Object>) r.get(figure);
            if (figure.equals("fma_512_gflops") && bits < 512) {
                assertNull(perThreads, "512-bit FMAs are not measured when the JDK would emulate them");
                assertTrue(r.get("notes").toString().contains("fma_512"), r.get("notes").toString());
                continue;
            }
            if (figure.equals("fma_256_gflops") && bits < 256) {
                continue;
            }
            Map<String, Object> one = (Map<String, Object>) perThreads.get("threads_1");
            assertTrue(((Number) one.get("median")).doubleValue() > 0, figure + " " + one);
            assertTrue(((Number) one.get("best")).doubleValue() >= ((Number) one.get("median")).doubleValue(), figure + " " + one);
            assertTrue((Long) one.get("runs") >= 3, figure + " " + one);
            if (Runtime.getRuntime().availableProcessors() >= 2) {
                Map<String, Object> two = (Map<String, Object>) perThreads.get("threads_2");
                assertTrue(((Number) two.get("median")).doubleValue() > 0, figure + " " + two);
            }
        }
        assertTrue(run.err().contains("DRAM read") && run.err().contains("GFLOP/s"), run.err());
    }

    @Test
    void badOptionsGiveOneLine() {
        long heapMib = Runtime.getRuntime().maxMemory() >> 20;
        String tooBig = String.valueOf(Math.min(8191, heapMib)); // more than the heap holds with room to spare
        for (String[] args : List.of(new String[] {"machine", "--seconds", "0"}, new String[] {"machine", "--dram-mib", "lots"},
                new String[] {"machine", "--dram-mib", heapMib < 8191 ? tooBig : "0"})) {
            CliTest.Run r = CliTest.run(args);
            assertEquals(2, r.status(), r.err());
            assertEquals(1, r.errLines().size(), r.err());
            assertTrue(r.err().startsWith("error: machine: --"), r.err());
            assertEquals("", r.out());
        }
    }
}
