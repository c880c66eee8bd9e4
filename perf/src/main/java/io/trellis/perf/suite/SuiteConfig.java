package io.trellis.perf.suite;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.trellis.perf.load.LoadConfig;
import java.time.Duration;
import java.util.List;

/**
 * What a suite run measures.
 *
 * @param scenario name of the run; names the output files
 * @param paths the ways from the load generator to the target, in report order
 * @param rates request rates (requests per second over all connections)
 * @param connections connection counts
 * @param repetitions runs per (path, rate, connections); the report gives the median and spread
 * @param bulkBytes bytes in the single-stream throughput run per path and repetition; 0 skips it
 * @param connectRate new connections per second in the connection-rate run; 0 skips it
 * @param childJvmFlags flags of the child JVM that runs a Trellis pair
 * @param heldConnections idle connections held open through each proxy path while its RSS is read; 0 skips it
 */
public record SuiteConfig(String scenario, List<PathKind> paths, List<Integer> rates, List<Integer> connections,
        LoadConfig.Protocol protocol, @JsonIgnore Duration warmup, @JsonIgnore Duration duration, int repetitions, int requestBytes,
        int responseBytes, long bulkBytes, int connectRate, List<String> childJvmFlags, int heldConnections) {

    /**
     * Footprint- and latency-minded flags for the proxy JVM (perf/README.md has the measurements):
     * the serial collector on a small heap (the proxies allocate little on the heap; buffers are
     * pooled direct memory) pauses briefly and runs no GC threads beside the event loops; G1 and
     * ZGC held 40-50 MB more RSS at idle. No pre-touch: it would commit the heap up front. The cap
     * is 128 MB because the child runs both proxies of a pair and 64 MB ran out of heap with ~7,300
     * tunnelled connections held open; the heap only grows when used.
     */
    public static final List<String> DEFAULT_CHILD_JVM_FLAGS = List.of(
            "-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xss512k", "-XX:MaxDirectMemorySize=64m",
            "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

    /** For the JSON report: milliseconds, not a Duration object. */
    @JsonProperty("warmupMs")
    public long warmupMs() {
        return warmup.toMillis();
    }

    @JsonProperty("durationMs")
    public long durationMs() {
        return duration.toMillis();
    }

    public SuiteConfig {
        paths = List.copyOf(paths);
        rates = List.copyOf(rates);
        connections = List.copyOf(connections);
        childJvmFlags = List.copyOf(childJvmFlags);
        if (paths.isEmpty() || rates.isEmpty() || connections.isEmpty() || repetitions < 1) {
            throw new IllegalArgumentException("a suite needs at least one path, rate, connection count and repetition");
        }
        if (rates.stream().anyMatch(r -> r < 1) || connections.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("rates and connection counts must be positive: " + rates + " "
                    + connections);
        }
    }
}
