package io.trellis.node.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.node.authz.AuthzDecision;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the traffic paths: connections by path and route, failures by reason, and
 * authorization denials by reason and policy. Meters are looked up once per label set and cached,
 * so counting on the event loop is a map lookup and an add.
 */
public final class PathMetrics {

    /** Which entry a connection came through. */
    public enum Path {
        OUTBOUND, INBOUND_HBONE, INBOUND_PLAINTEXT, SOCKS5,
        /** The destination side of the same-node fast path (the source side counts as OUTBOUND). */
        SAME_NODE;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final AtomicLong active = new AtomicLong();

    public PathMetrics(MeterRegistry registry) {
        this.registry = registry;
        io.micrometer.core.instrument.Gauge.builder("trellis_node_active_connections", active, AtomicLong::get)
                .description("Connections the node-proxy is relaying now").register(registry);
    }

    /** Connections being relayed now (what a drain waits for). */
    public long active() {
        return active.get();
    }

    /** A connection {@link #opened} has ended. */
    void closed() {
        active.decrementAndGet();
    }

    /** A connection was handed to a relay; {@code route} is hbone, waypoint, passthrough or app. */
    void opened(Path path, String route) {
        active.incrementAndGet();
        counter("trellis_node_connections_total", "Connections relayed by the node-proxy",
                "path", path.label(), "route", route).increment();
    }

    /** A connection was refused or could not be set up. */
    void failed(Path path, String reason) {
        counter("trellis_node_connection_failures_total", "Connections the node-proxy could not relay",
                "path", path.label(), "reason", reason).increment();
    }

    /**
     * A connection to a Service VIP is tried on another endpoint after {@code route}'s connect failed (it is not a
     * failure: the client never saw it).
     */
    void retried(Path path, String route) {
        counter("trellis_node_connect_retries_total", "Connections tried on another Service endpoint after a connect failure",
                "path", path.label(), "route", route).increment();
    }

    /** L4 authorization refused a connection. */
    void denied(Path path, AuthzDecision decision) {
        String policy = decision.policy();
        counter("trellis_node_authz_denied_total", "Connections refused by L4 authorization",
                "path", path.label(), "reason", decision.reasonLabel(), "policy", policy == null ? "" : policy)
                .increment();
    }

    private Counter counter(String name, String help, String... tags) {
        String key = name + String.join("\u0000", tags);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder(name).description(help).tags(tags).register(registry));
        }
        return c;
    }
}
