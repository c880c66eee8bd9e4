package io.trellis.node.xds;

import java.time.Duration;

/**
 * Settings of the workload xDS client.
 *
 * @param nodeId         sent as {@code node.id}: the node's name, which the controller uses for node authorization
 *                       and status
 * @param initialBackoff delay before the first reconnect attempt
 * @param maxBackoff     cap of the doubling reconnect delay
 * @param jitter         relative spread of each delay (0.2 = +-20 %), so that many node-proxies do not reconnect in
 *                       lockstep to a restarted controller
 */
public record XdsClientConfig(String nodeId, Duration initialBackoff, Duration maxBackoff, double jitter) {

    public XdsClientConfig {
        if (nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId must name this node");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("backoff must be positive and initial <= max, got " + initialBackoff
                    + " and " + maxBackoff);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    /** Reconnect after 1 s, doubling to 30 s, +-20 %. */
    public static XdsClientConfig defaults(String nodeId) {
        return new XdsClientConfig(nodeId, Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
    }

    /** The un-jittered delay before reconnect attempt {@code attempt} (1 = first). */
    Duration backoff(int attempt) {
        Duration d = initialBackoff;
        for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
