package io.trellis.e2e.bench;

import io.trellis.perf.peer.ProcUsage;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The proxies of the benchmark lab by name ({@code node-proxy-node1}, {@code node-proxy-node2}, {@code waypoint},
 * {@code haproxy}) and their pids, read from /proc: CPU seconds (user + system) and resident memory.
 */
final class LabMeter {

    private final Map<String, Long> pids = new LinkedHashMap<>();

    void add(String name, long pid) {
        pids.put(name, pid);
    }

    Map<String, Long> pids() {
        return Map.copyOf(pids);
    }

    /** CPU seconds consumed so far, per proxy. */
    Map<String, Double> cpuSeconds() throws IOException {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            m.put(e.getKey(), ProcUsage.of(e.getValue()).cpuSeconds());
        }
        return m;
    }

    /** Resident set size in KiB, per proxy. */
    Map<String, Long> rssKiB() throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : pids.entrySet()) {
            m.put(e.getKey(), ProcUsage.of(e.getValue()).rssKiB());
        }
        return m;
    }

    /** {@code after - before} per proxy. */
    static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : after.entrySet()) {
            m.put(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0));
        }
        return m;
    }
}
