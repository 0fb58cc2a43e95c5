package io.sparkllama.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the operating system says about the CPU: model name, instruction-set flags, L2 and L3
 * size, and the load average. Read from /proc/cpuinfo (or {@code lscpu} when that is missing)
 * and /sys; on other systems the fields are unknown (null or -1), never guessed.
 */
final class CpuInfo {
    /** Flags that decide which kernels the JIT can emit: vector width, FMA, half/bfloat16 and int8 dot products. */
    static final List<String> FLAGS = List.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
            "avx_vnni", "avx512_bf16", "avx512_fp16");

    /** Model name, or null. */
    final String model;
    /** Every flag the OS lists, or null when it lists none. */
    final Set<String> flags;
    /** Current clock in MHz as the OS reports it (in a VM often the nominal one), or null. */
    final Double mhz;
    /** L2 size of one core and L3 size of one instance in bytes, or -1. */
    final long l2Bytes, l3Bytes;
    /** One-minute load average when the probe started, or null. */
    final Double load;

    private CpuInfo(String model, Set<String> flags, Double mhz, long l2Bytes, long l3Bytes, Double load) {
        this.model = model;
        this.flags = flags;
        this.mhz = mhz;
        this.l2Bytes = l2Bytes;
        this.l3Bytes = l3Bytes;
        this.load = load;
    }

    static CpuInfo read() {
        List<String> lines = lines(Path.of("/proc/cpuinfo"));
        if (lines.isEmpty()) {
            lines = lscpu();
        }
        String model = field(lines, "model name");
        String flagLine = field(lines, "flags");
        String mhz = field(lines, "cpu mhz");
        Set<String> flags = flagLine == null ? null : new HashSet<>(Arrays.asList(flagLine.trim().split("\\s+")));
        List<String> load = lines(Path.of("/proc/loadavg"));
        return new CpuInfo(model, flags, number(mhz), cacheBytes(2), cacheBytes(3),
                load.isEmpty() ? null : number(load.get(0).split("\\s+")[0]));
    }

    /** Whether the CPU has a flag: null when the OS lists no flags. */
    Boolean has(String flag) {
        return flags == null ? null : flags.contains(flag);
    }

    /** The value of the first "key : value" line whose key is {@code key}, ignoring case. */
    private static String field(List<String> lines, String key) {
        for (String l : lines) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(key)) {
                return l.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** Size of cpu0's unified or data cache of a level, from /sys (e.g. "1024K"), or -1. */
    private static long cacheBytes(int level) {
        for (int i = 0; i < 8; i++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + i);
            List<String> lvl = lines(dir.resolve("level")), type = lines(dir.resolve("type")), size = lines(dir.resolve("size"));
            if (lvl.isEmpty() || type.isEmpty() || size.isEmpty() || !lvl.get(0).trim().equals(String.valueOf(level))
                    || type.get(0).trim().equals("Instruction")) {
                continue;
            }
            String s = size.get(0).trim().toUpperCase(Locale.ROOT);
            long unit = s.endsWith("K") ? 1L << 10 : s.endsWith("M") ? 1L << 20 : s.endsWith("G") ? 1L << 30 : 1;
            Double n = number(unit == 1 ? s : s.substring(0, s.length() - 1));
            return n == null ? -1 : (long) (n * unit);
        }
        return -1;
    }

    private static Double number(String s) {
        try {
            return s == null ? null : Double.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
    }

    /** lscpu's "Key: value" lines, or none when it is missing or slow. */
    private static List<String> lscpu() {
        try {
            Process p = new ProcessBuilder("lscpu").redirectErrorStream(true).start();
            List<String> out = new ArrayList<>(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList());
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
