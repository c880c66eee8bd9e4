package io.trellis.perf.load;

import java.util.List;

/**
 * Hands out arrivals to lanes round-robin. Each {@link #tick(long)} dispatches every arrival whose
 * intended time has passed, so a late timer (GC, a busy core) sends a small burst rather than
 * shifting the schedule: the intended times never move.
 */
final class OpenLoopDriver {

    private final Arrivals arrivals;
    private final List<Lane> lanes;
    private final long endNanos;
    private long nextIntended;
    private int nextLane;

    OpenLoopDriver(Arrivals arrivals, List<Lane> lanes, long startNanos, long endNanos) {
        if (lanes.isEmpty()) {
            throw new IllegalArgumentException("at least one lane is needed");
        }
        this.arrivals = arrivals;
        this.lanes = List.copyOf(lanes);
        this.endNanos = endNanos;
        this.nextIntended = startNanos;
    }

    /**
     * Dispatches what is due at {@code nowNanos}; returns the next intended send time, or
     * {@code Long.MIN_VALUE} when the schedule is over.
     */
    long tick(long nowNanos) {
        while (nextIntended - nowNanos <= 0 && nextIntended - endNanos < 0) {
            lanes.get(nextLane).arrive(nextIntended);
            nextLane = (nextLane + 1) % lanes.size();
            nextIntended += arrivals.nextGapNanos();
        }
        return nextIntended - endNanos < 0 ? nextIntended : Long.MIN_VALUE;
    }

    int outstanding() {
        int total = 0;
        for (Lane lane : lanes) {
            total += lane.outstanding();
        }
        return total;
    }
}
