package io.trellis.perf.report;

import java.util.List;

/**
 * What one path (for example "direct" or "tunnel") measured in each repetition of a run.
 *
 * @param latency round-trip latency per repetition
 * @param throughputMiBps single-stream throughput per repetition, in MiB/s
 */
public record PathResult(String path, String description, List<LatencySummary> latency,
        List<Double> throughputMiBps) {}
