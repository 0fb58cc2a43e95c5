package io.sparkllama.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The readable form of {@code machine}'s report: a few lines about the machine, then one row per measurement. */
final class MachineTable {
    private MachineTable() {
    }

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> r, int[] threadCounts) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> jdk = (Map<String, Object>) r.get("jdk");
        Map<String, Object> flags = (Map<String, Object>) r.get("flags");
        line(b, "cpu", (r.get("cpu") != null ? r.get("cpu") : "unknown model") + ", " + r.get("cpus") + " cpus"
                + (r.get("cpu_mhz") != null ? String.format(Locale.ROOT, ", %.0f MHz (as the OS reports it)", (Double) r.get("cpu_mhz")) : "")
                + ", L2 " + kib(r.get("l2_kib")) + " per core, L3 " + kib(r.get("l3_kib")));
        List<String> present = new ArrayList<>(), absent = new ArrayList<>();
        flags.forEach((f, v) -> (Boolean.TRUE.equals(v) ? present : absent).add(f));
        line(b, "flags", flags.containsValue(null) ? "unknown (the OS lists none)"
                : String.join(" ", present) + (absent.isEmpty() ? "" : "; absent: " + String.join(" ", absent)));
        line(b, "jdk", jdk.get("version") + " (" + jdk.get("vendor") + "), FloatVector.SPECIES_PREFERRED "
                + r.get("species_preferred_bits") + " bits, heap " + jdk.get("max_heap_mib") + " MiB");
        line(b, "load", r.get("load_average_1m") + " (1-minute load average at the start; other work lowers the medians)");
        b.append('\n');
        String labelFormat = "%-34s";
        b.append(String.format(Locale.ROOT, labelFormat, "median (best) of repeated runs"));
        for (int t : threadCounts) {
            b.append(String.format(Locale.ROOT, "%18s", t + (t == 1 ? " thread" : " threads")));
        }
        b.append('\n');
        row(b, labelFormat, "DRAM read, " + r.get("dram_buffer_mib") + " MiB, GB/s", r.get("dram_read_gb_s"), threadCounts);
        row(b, labelFormat, "L2 read, " + r.get("l2_buffer_kib") + " KiB/thread, GB/s", r.get("l2_read_gb_s"), threadCounts);
        row(b, labelFormat, "FP32 FMA 256-bit, GFLOP/s", r.get("fma_256_gflops"), threadCounts);
        row(b, labelFormat, "FP32 FMA 512-bit, GFLOP/s", r.get("fma_512_gflops"), threadCounts);
        for (Object note : (List<Object>) r.get("notes")) {
            b.append("note: ").append(note).append('\n');
        }
        b.append(String.format(Locale.ROOT, "(%.1f s)%n", (Double) r.get("elapsed_seconds")));
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static void row(StringBuilder b, String labelFormat, String label, Object perThreads, int[] threadCounts) {
        b.append(String.format(Locale.ROOT, labelFormat, label));
        for (int t : threadCounts) {
            Map<String, Object> s = perThreads == null ? null : (Map<String, Object>) ((Map<String, Object>) perThreads).get("threads_" + t);
            b.append(String.format(Locale.ROOT, "%18s", s == null ? "-" : s.get("median") + " (" + s.get("best") + ")"));
        }
        b.append('\n');
    }

    private static String kib(Object n) {
        return n == null ? "unknown" : n + " KiB";
    }

    private static void line(StringBuilder b, String label, Object value) {
        b.append(String.format(Locale.ROOT, "%-6s %s%n", label, value));
    }
}
