package io.trellis.perf.load;

import org.HdrHistogram.Histogram;

/**
 * What a run measured: latency from each request's intended send time (microseconds, so a
 * stalled target shows up in every request scheduled during the stall) and counters for what
 * did not complete. Owned by the load generator's single event loop thread.
 */
public final class LoadStats {

    /** Highest latency tracked: 60 s in microseconds; anything longer is recorded as 60 s. */
    static final long MAX_TRACKED_MICROS = 60_000_000L;

    private final Histogram latencyMicros = new Histogram(1, MAX_TRACKED_MICROS, 3);
    private final long recordFromNanos;
    long scheduled;
    long completed;
    long warmup;
    long errors;
    long overflowed;
    int peakBacklog;

    /** Requests intended before {@code recordFromNanos} complete but are not recorded (warm-up). */
    public LoadStats(long recordFromNanos) {
        this.recordFromNanos = recordFromNanos;
    }

    void record(long intendedNanos, long nowNanos) {
        if (intendedNanos - recordFromNanos < 0) {
            warmup++;
            return;
        }
        completed++;
        long micros = Math.max(1, (nowNanos - intendedNanos) / 1_000);
        latencyMicros.recordValue(Math.min(micros, MAX_TRACKED_MICROS));
    }

    void backlog(int size) {
        peakBacklog = Math.max(peakBacklog, size);
    }

    public Histogram latencyMicros() {
        return latencyMicros;
    }

    public long scheduled() {
        return scheduled;
    }

    /** Recorded completions (after warm-up). */
    public long completed() {
        return completed;
    }

    public long warmupCompleted() {
        return warmup;
    }

    /** Failed responses, and requests lost with a connection. */
    public long errors() {
        return errors;
    }

    /** Requests that found their connection's backlog full: never sent, reported here. */
    public long overflowed() {
        return overflowed;
    }

    /** The longest any connection's backlog grew. */
    public int peakBacklog() {
        return peakBacklog;
    }
}
