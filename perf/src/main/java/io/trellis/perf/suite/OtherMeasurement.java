package io.trellis.perf.suite;

import org.jspecify.annotations.Nullable;

/**
 * A non-latency measurement of one path: single-stream throughput ({@code kind = "bulk"},
 * value in MiB/s), new-connection latency p99 ({@code "connect-p99-us"}), or the proxies' idle RSS
 * ({@code "idle-rss-kib"}), or their RSS with many idle connections open ({@code "held-rss-kib"}).
 */
public record OtherMeasurement(String path, String kind, int repetition, double value,
        @Nullable Double proxyCpuSeconds, @Nullable String note) {}
