package io.trellis.waypoint.proxy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Fault injection on one route (Envoy's HTTP fault filter, Istio's VirtualService {@code fault}).
 *
 * @param delayPerMillion share of requests delayed, parts per million
 * @param delay how long a delayed request waits before it is forwarded
 * @param abortPerMillion share of requests answered locally with {@code abortStatus}
 * @param abortStatus the status of an aborted request, 200..599
 */
public record FaultPolicy(int delayPerMillion, Duration delay, int abortPerMillion, int abortStatus) {

    public FaultPolicy {
        if (delayPerMillion < 0 || delayPerMillion > 1_000_000 || abortPerMillion < 0 || abortPerMillion > 1_000_000) {
            throw new IllegalArgumentException("fault percentages must be 0..1,000,000 per million");
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("fault delay must not be negative, got " + delay);
        }
        if (abortPerMillion > 0 && (abortStatus < 200 || abortStatus > 599)) {
            throw new IllegalArgumentException("fault abort status must be 200..599, got " + abortStatus);
        }
    }

    boolean abort(RandomGenerator random) {
        return abortPerMillion > 0 && random.nextInt(1_000_000) < abortPerMillion;
    }

    boolean delay(RandomGenerator random) {
        return delayPerMillion > 0 && !delay.isZero() && random.nextInt(1_000_000) < delayPerMillion;
    }
}
