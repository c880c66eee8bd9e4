package io.trellis.perf.report;

import org.HdrHistogram.Histogram;

/** Percentiles of one latency histogram, in microseconds. */
public record LatencySummary(long count, double p50, double p90, double p99, double p999, double max) {

    public static LatencySummary of(Histogram micros) {
        return new LatencySummary(
                micros.getTotalCount(),
                micros.getValueAtPercentile(50),
                micros.getValueAtPercentile(90),
                micros.getValueAtPercentile(99),
                micros.getValueAtPercentile(99.9),
                micros.getMaxValue());
    }
}
