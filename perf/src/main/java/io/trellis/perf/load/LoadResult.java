package io.trellis.perf.load;

import io.trellis.perf.report.LatencySummary;

/**
 * The outcome of one open-loop run. {@code unfinished} are requests still waiting or in flight
 * when the drain timeout expired; together with {@code errors} and {@code overflowed} they
 * account for every scheduled request that has no latency.
 */
public record LoadResult(String mode, int connections, double targetRps, double achievedRps, long scheduled,
        long completed, long warmupCompleted, long errors, long overflowed, long unfinished, int peakBacklog,
        LatencySummary latencyMicros) {

    static LoadResult of(String mode, int connections, double targetRps, double recordedSeconds, LoadStats stats,
            long unfinished) {
        return new LoadResult(mode, connections, targetRps, stats.completed() / recordedSeconds, stats.scheduled(),
                stats.completed(), stats.warmupCompleted(), stats.errors(), stats.overflowed(), unfinished,
                stats.peakBacklog(), LatencySummary.of(stats.latencyMicros()));
    }
}
