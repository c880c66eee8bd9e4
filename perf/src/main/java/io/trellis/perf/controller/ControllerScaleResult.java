package io.trellis.perf.controller;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The outcome of {@link ControllerScaleBenchmark}; written as {@code controller-scale.json} and {@code .md}.
 * Latencies are from the config change handed to the push pipeline (so they include the debounce quiet
 * period) to a proxy's ACK of the response naming the changed resource.
 */
public record ControllerScaleResult(ControllerScaleBenchmark.Parameters parameters, double firstBuildMs,
                                    double initialSyncMs, long initialSyncBytes, Latency oneEndpointChange,
                                    long oneEndpointChangeBytes, double oneEndpointChangeCpuMs,
                                    int podsPerNodeFailure, Latency nodeFailure, long nodeFailureBytes,
                                    double nodeFailureCpuMs, long heapAfterGcMb, long maxHeapMb,
                                    double processCpuSeconds, double wallSeconds, int cpus,
                                    double loadAverageAtEnd) {

    /** Per proxy and per round (the slowest proxy of the round: "all ACKed"). */
    public record Latency(int rounds, double perProxyP50Ms, double perProxyP99Ms, double allAckedP50Ms,
                          double allAckedP99Ms, double allAckedMaxMs) {}

    public void writeJson(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }

    public String toMarkdown() {
        ControllerScaleBenchmark.Parameters p = parameters;
        StringBuilder sb = new StringBuilder();
        sb.append("# Controller scale\n\n");
        sb.append("%,d pods on 100 nodes, %,d services, %,d simulated node-proxy streams (in-process gRPC, every "
                .formatted(p.pods(), p.services(), p.proxies()))
                .append("proxy a wildcard subscriber of every type), default debounce 100 ms / 1 s. ")
                .append("%d CPUs, load average %.1f at the end of the run; max heap %d MB.\n\n"
                        .formatted(cpus, loadAverageAtEnd, maxHeapMb));
        sb.append("| what | result |\n|---|---|\n");
        sb.append("| first model + snapshot | %.0f ms |\n".formatted(firstBuildMs));
        sb.append("| initial sync, all proxies | %.0f ms, %,d bytes (%,d per proxy) |\n".formatted(initialSyncMs,
                initialSyncBytes, initialSyncBytes / p.proxies()));
        row(sb, "one endpoint change", oneEndpointChange, oneEndpointChangeBytes, oneEndpointChangeCpuMs);
        row(sb, "node failure (" + podsPerNodeFailure + " pods)", nodeFailure, nodeFailureBytes, nodeFailureCpuMs);
        sb.append("| heap after GC | %d MB |\n".formatted(heapAfterGcMb));
        sb.append("| process CPU, whole run | %.1f s over %.1f s wall |\n".formatted(processCpuSeconds, wallSeconds));
        sb.append("\nChange-to-ACK includes the 100 ms debounce quiet period. \"All ACKed\" is, per round, the "
                + "time until the slowest proxy acknowledged. The one-endpoint rounds follow %d unrecorded ones "
                .formatted(p.warmupRounds())
                + "(the JIT is still compiling the delta path at first); CPU per change is averaged over all "
                + "rounds, unrecorded ones included.\n");
        return sb.toString();
    }

    private void row(StringBuilder sb, String what, Latency l, long bytes, double cpuMs) {
        sb.append("| %s, change to ACK per proxy | p50 %.1f ms, p99 %.1f ms (%d rounds) |\n".formatted(what,
                l.perProxyP50Ms(), l.perProxyP99Ms(), l.rounds()));
        sb.append("| %s, change to all ACKed | p50 %.1f ms, p99 %.1f ms, max %.1f ms |\n".formatted(what,
                l.allAckedP50Ms(), l.allAckedP99Ms(), l.allAckedMaxMs()));
        sb.append("| %s, bytes pushed / CPU per change | %,d bytes (%,d per proxy) / %.0f ms |\n".formatted(what,
                bytes, bytes / parameters.proxies(), cpuMs));
    }

    public void writeMarkdown(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, toMarkdown());
    }
}
