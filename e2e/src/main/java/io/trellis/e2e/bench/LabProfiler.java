package io.trellis.e2e.bench;

import io.trellis.e2e.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./trellis bench lab --profile}: the proxies start with a JFR recording (profile settings) and native memory
 * tracking; after the load runs at the primary rate each proxy JVM's recording and NMT summary are written with
 * {@code jcmd} ({@code <proxy>.jfr}, {@code <proxy>-nmt.txt}, and {@code <proxy>-heap.txt}: the live objects by
 * class after a full GC). Read them with {@code jfr print --events
 * jdk.CPUTimeSample} (or {@code jdk.ExecutionSample}) / {@code jdk.ObjectAllocationSample}, or {@code jfr summary}.
 */
final class LabProfiler {

    static final String RECORDING = "bench";

    private LabProfiler() {
    }

    /** Sets {@link ChildJvm#PROXY_EXTRA_FLAGS_PROPERTY} so the proxies started next record. */
    static void enable(String existingExtra) {
        // the CPU-time sampler (JDK 25) also samples threads in native code (syscalls, OpenSSL), where the event
        // loops spend much of their time and the classic execution sampler does not look
        String flags = "-XX:StartFlightRecording=name=" + RECORDING + ",settings=profile,"
                + "jdk.CPUTimeSample#enabled=true,jdk.CPUTimeSample#throttle=5ms "
                + "-XX:NativeMemoryTracking=summary";
        System.setProperty(ChildJvm.PROXY_EXTRA_FLAGS_PROPERTY, (existingExtra + " " + flags).trim());
    }

    /** Dumps each JVM proxy's recording and NMT summary into {@code dir}; returns the files written. */
    static List<String> dump(Map<String, Long> javaPids, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, Long> e : javaPids.entrySet()) {
            Path jfr = dir.resolve(e.getKey() + ".jfr").toAbsolutePath();
            jcmd(e.getValue(), List.of("JFR.dump", "name=" + RECORDING, "filename=" + jfr), null);
            Path nmt = dir.resolve(e.getKey() + "-nmt.txt");
            jcmd(e.getValue(), List.of("VM.native_memory", "summary"), nmt);
            Path histogram = dir.resolve(e.getKey() + "-heap.txt");
            jcmd(e.getValue(), List.of("GC.class_histogram"), histogram);
            written.add(jfr.toString());
            written.add(nmt.toString());
            written.add(histogram.toString());
        }
        return written;
    }

    /** Writes each JVM's live objects by class ({@code <name>-heap.txt}, after a full GC); returns the files. */
    static List<String> histograms(Map<String, Long> javaPids, Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, Long> e : javaPids.entrySet()) {
            Path histogram = dir.resolve(e.getKey() + "-heap.txt");
            jcmd(e.getValue(), List.of("GC.class_histogram"), histogram);
            written.add(histogram.toString());
        }
        return written;
    }

    private static void jcmd(long pid, List<String> command, Path output) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid)));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Path log = output != null ? output : Files.createTempFile("jcmd", ".txt");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed: " + Files.readString(log));
        }
        if (output == null) {
            Files.delete(log);
        }
    }
}
