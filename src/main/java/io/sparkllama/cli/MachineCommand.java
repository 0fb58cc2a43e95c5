package io.sparkllama.cli;

import io.sparkllama.json.Json;
import jdk.incubator.vector.FloatVector;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoubleSupplier;
import java.util.function.IntToLongFunction;

/**
 * {@code machine}: this machine's limits for inference, measured with the running JDK, so that
 * speed figures can be quoted against physical bounds. Decoding one sequence streams every
 * weight once per token, so DRAM read bandwidth bounds it; prefill and large batches are bound
 * by FMA throughput. One JSON object on stdout, a table on stderr.
 *
 * <p>Each figure is the median of repeated runs within a share of {@code --seconds}; other work
 * on the machine lowers the medians, and the best runs show by how much.
 */
final class MachineCommand implements Command {
    private static final long DEFAULT_L2_BYTES = 512 << 10;

    @Override
    public Set<String> valued() {
        return Set.of("seconds", "dram-mib");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public String usage() {
        return "  machine [--seconds S] [--dram-mib N]   this machine's DRAM and L2 read bandwidth and FP32 FMA throughput\n"
                + "\n"
                + "  --seconds S     time for the measurements (default 20; warm-up and set-up add a few seconds)\n"
                + "  --dram-mib N    buffer for the DRAM figure, far larger than the L3 (default 1024)\n"
                + "Prints one JSON object: cpu, cpus, cpu_mhz, l2_kib, l3_kib, flags, os, jdk, species_preferred_bits,\n"
                + "load_average_1m, then dram_read_gb_s, l2_read_gb_s, fma_256_gflops and fma_512_gflops, each per thread\n"
                + "count ({\"threads_1\": {\"median\", \"best\", \"runs\"}, ...}; null when not measured, see notes).\n"
                + "GB/s are 10^9 bytes per second. 512-bit FMAs are measured only when FloatVector.SPECIES_PREFERRED\n"
                + "is 512 bits; otherwise the JDK would emulate them in Java.\n";
    }

    @Override
    public int run(Options o, PrintStream out, PrintStream err) {
        double seconds = o.floatValue("seconds", 20f, 0.1f, 600f);
        int dramMib = o.intValue("dram-mib", 1024, 16, 8191);
        long start = System.nanoTime();
        CpuInfo cpu = CpuInfo.read(); // first, so the load average is not ours
        int cpus = Runtime.getRuntime().availableProcessors();
        int[] threadCounts = threadCounts(cpus);
        int preferredBits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        long dramBytes = (long) dramMib << 20;
        long heap = Runtime.getRuntime().maxMemory();
        if (dramBytes + (64L << 20) > heap) {
            throw new UsageException("machine: --dram-mib " + dramMib + " does not fit in the " + (heap >> 20)
                    + " MiB heap; lower it or raise the heap with JAVA_OPTS=-Xmx...");
        }
        err.printf(Locale.ROOT, "machine: measuring for about %.0f s (DRAM buffer %d MiB, threads %s)...%n", seconds, dramMib,
                Arrays.toString(threadCounts));

        float[] dram = new float[(int) (dramBytes / Float.BYTES)];
        Arrays.fill(dram, 1f); // every page touched before any timing
        long l2Bytes = cpu.l2Bytes > 0 ? cpu.l2Bytes : DEFAULT_L2_BYTES;
        int l2Floats = (int) (l2Bytes / 2 / Float.BYTES); // half a core's L2: resident, with room for the rest
        float[][] l2 = new float[threadCounts[threadCounts.length - 1]][l2Floats];
        for (float[] b : l2) {
            Arrays.fill(b, 1f);
        }
        boolean fma256 = preferredBits >= 256, fma512 = preferredBits >= 512;
        warmUp(l2[0], fma256, fma512, Math.min(1.0, Math.max(0.2, seconds * 0.03)));

        // shares of the budget: DRAM runs are long and noisy, so they get the most
        double perCount = seconds / threadCounts.length;
        double dramSlice = 0.4 * perCount, slice = 0.2 * perCount;
        long runNanos = (long) Math.min(200e6, Math.max(2e6, slice * 1e9 / 8));
        int l2Reps = calibrate(reps -> MachineProbe.parallel(1, t -> {
            for (int r = 0; r < reps; r++) {
                MachineProbe.sink += MachineProbe.sum(l2[0], 0, l2Floats);
            }
        }), runNanos);
        int rounds256 = fma256 ? calibrate(n -> MachineProbe.parallel(1, t -> MachineProbe.sink += MachineProbe.fma256(n)), runNanos) : 0;
        int rounds512 = fma512 ? calibrate(n -> MachineProbe.parallel(1, t -> MachineProbe.sink += MachineProbe.fma512(n)), runNanos) : 0;

        Map<String, Object> dramRead = new LinkedHashMap<>(), l2Read = new LinkedHashMap<>();
        Map<String, Object> gflops256 = fma256 ? new LinkedHashMap<>() : null, gflops512 = fma512 ? new LinkedHashMap<>() : null;
        for (int threads : threadCounts) {
            String key = "threads_" + threads;
            dramRead.put(key, stats(MachineProbe.repeat(dramSlice, 3, () -> (double) dramBytes / MachineProbe.parallel(threads, t -> {
                int n = dram.length, from = part(n, t, threads), to = part(n, t + 1, threads);
                MachineProbe.sink += MachineProbe.sum(dram, from, to);
            }))));
            l2Read.put(key, stats(MachineProbe.repeat(slice, 3, () -> (double) l2Floats * Float.BYTES * l2Reps * threads
                    / MachineProbe.parallel(threads, t -> {
                        float s = 0;
                        for (int r = 0; r < l2Reps; r++) {
                            s += MachineProbe.sum(l2[t], 0, l2Floats);
                        }
                        MachineProbe.sink += s;
                    }))));
            if (fma256) {
                double flops = 2.0 * MachineProbe.CHAINS * 8 * rounds256 * threads;
                gflops256.put(key, stats(MachineProbe.repeat(slice, 3, rate(flops, threads, () -> MachineProbe.fma256(rounds256)))));
            }
            if (fma512) {
                double flops = 2.0 * MachineProbe.CHAINS * 16 * rounds512 * threads;
                gflops512.put(key, stats(MachineProbe.repeat(slice, 3, rate(flops, threads, () -> MachineProbe.fma512(rounds512)))));
            }
        }

        List<String> notes = new ArrayList<>();
        if (!fma512) {
            notes.add("fma_512 not measured: FloatVector.SPECIES_PREFERRED is " + preferredBits
                    + " bits, so the JDK would emulate 512-bit vectors in Java");
        }
        if (!fma256) {
            notes.add("fma_256 not measured: FloatVector.SPECIES_PREFERRED is " + preferredBits + " bits");
        }
        if (cpu.l3Bytes > 0 && dramBytes < 4 * cpu.l3Bytes) {
            notes.add("the DRAM buffer is less than 4x the L3, so caches inflate dram_read_gb_s");
        }
        if (cpu.l2Bytes <= 0) {
            notes.add("L2 size unknown; assumed " + (DEFAULT_L2_BYTES >> 10) + " KiB");
        }

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("cpu", cpu.model);
        r.put("cpus", cpus);
        r.put("cpu_mhz", cpu.mhz);
        r.put("l2_kib", cpu.l2Bytes > 0 ? cpu.l2Bytes >> 10 : null);
        r.put("l3_kib", cpu.l3Bytes > 0 ? cpu.l3Bytes >> 10 : null);
        Map<String, Object> flags = new LinkedHashMap<>();
        for (String f : CpuInfo.FLAGS) {
            flags.put(f, cpu.has(f));
        }
        r.put("flags", flags);
        r.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        Map<String, Object> jdk = new LinkedHashMap<>();
        jdk.put("version", System.getProperty("java.runtime.version", Runtime.version().toString()));
        jdk.put("vendor", System.getProperty("java.vendor"));
        jdk.put("vm", System.getProperty("java.vm.name"));
        jdk.put("max_heap_mib", heap >> 20);
        r.put("jdk", jdk);
        r.put("species_preferred_bits", preferredBits);
        r.put("load_average_1m", cpu.load);
        r.put("seconds", seconds);
        r.put("dram_buffer_mib", dramMib);
        r.put("l2_buffer_kib", (long) l2Floats * Float.BYTES >> 10);
        r.put("dram_read_gb_s", dramRead);
        r.put("l2_read_gb_s", l2Read);
        r.put("fma_256_gflops", gflops256);
        r.put("fma_512_gflops", gflops512);
        r.put("notes", notes);
        r.put("elapsed_seconds", round((System.nanoTime() - start) / 1e9));
        out.println(Json.toJson(r));
        out.flush();
        err.print(MachineTable.text(r, threadCounts));
        return 0;
    }

    /** 1, 2 and all cpus, as far as there are cpus. */
    private static int[] threadCounts(int cpus) {
        Set<Integer> s = new TreeSet<>(List.of(1, Math.min(2, cpus), cpus));
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Start of part {@code k} of {@code parts} of n elements, on a 64-float (256-byte) boundary. */
    private static int part(int n, int k, int parts) {
        return k == parts ? n : (int) ((long) n * k / parts) & ~63;
    }

    /** A run of {@code body} on every thread, as flops per nanosecond (GFLOP/s). */
    private static DoubleSupplier rate(double flops, int threads, FloatBody body) {
        return () -> flops / MachineProbe.parallel(threads, t -> MachineProbe.sink += body.run());
    }

    private interface FloatBody {
        float run();
    }

    /** Runs the JIT's C2 compiler over every loop before anything is timed. */
    private static void warmUp(float[] buffer, boolean fma256, boolean fma512, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int len = Math.min(buffer.length, 4096);
        for (int i = 0; i < 3000 || System.nanoTime() < end; i++) {
            MachineProbe.sink += MachineProbe.sum(buffer, 0, len);
            if (fma256) {
                MachineProbe.sink += MachineProbe.fma256(500);
            }
            if (fma512) {
                MachineProbe.sink += MachineProbe.fma512(500);
            }
        }
    }

    /**
     * The count for which {@code nanosFor(count)} takes about {@code target} nanoseconds. Each
     * count is timed three times and the fastest kept: one run slowed by a busy machine (or by
     * the thread hand-off, which dominates tiny counts) would otherwise stop the search at a
     * count so small that the hand-off is all the later runs measure.
     */
    private static int calibrate(IntToLongFunction nanosFor, long target) {
        for (int n = 1; ; n *= 4) {
            long t = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                t = Math.min(t, Math.max(1, nanosFor.applyAsLong(n)));
            }
            if (t >= target / 8 || n >= 1 << 26) {
                return (int) Math.max(1, Math.min(1 << 30, (long) n * target / t));
            }
        }
    }

    private static Map<String, Object> stats(MachineProbe.Stats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", round(s.median()));
        m.put("best", round(s.best()));
        m.put("runs", s.runs());
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
