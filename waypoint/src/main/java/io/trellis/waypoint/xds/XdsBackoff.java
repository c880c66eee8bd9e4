package io.trellis.waypoint.xds;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential from {@code initial} up to {@code max}, each drawn uniformly from
 * the upper half of the current step so that many waypoints restarted together do not reconnect
 * in lockstep, yet none retries sooner than half the step.
 *
 * @param initial the first delay step
 * @param max the largest step
 */
public record XdsBackoff(Duration initial, Duration max) {

    /** 0.5 s doubling up to 30 s. */
    public static XdsBackoff defaults() {
        return new XdsBackoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    }

    public XdsBackoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /** The delay before reconnect attempt {@code attempt} (0 = the first after a failure). */
    Duration delay(int attempt, RandomGenerator random) {
        long step = initial.toNanos();
        for (int i = 0; i < attempt && step < max.toNanos(); i++) {
            step *= 2;
        }
        step = Math.min(step, max.toNanos());
        return Duration.ofNanos(step / 2 + random.nextLong(step / 2 + 1));
    }
}
