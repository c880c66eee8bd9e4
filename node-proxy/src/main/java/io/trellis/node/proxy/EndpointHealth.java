package io.trellis.node.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier detection at L4, as Envoy's for connect failures: an upstream (a Service endpoint's address or a
 * waypoint replica's HBONE address) that failed to connect {@code threshold} times in a row is ejected, so new
 * connections avoid it, for {@code base × n} (n = how often it was ejected since its last successful connect, capped at
 * {@code max}); when that time is over it is tried again. A group (a Service port's endpoints, a waypoint's replicas)
 * never has more than half of its members ejected: past that, failures point at the client side or a wide outage, and
 * ejecting more would only pile the load on the few left. The control plane's readiness stays the authority; this only
 * bridges the seconds until it notices.
 *
 * <p>Safe from any event loop: one concurrent map of immutable states.
 */
public final class EndpointHealth {

    private static final Logger LOG = LoggerFactory.getLogger(EndpointHealth.class);

    /** What kind of upstream an address is, for logs and metrics. */
    enum Kind {
        SERVICE_ENDPOINT, WAYPOINT;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Consecutive failures, ejections since the last success, and until when (ticker nanos) it is ejected. */
    private record State(Kind kind, int consecutiveFailures, int ejections, long ejectedUntil, boolean ejected) {}

    /** One ejected upstream as {@code /config_dump} shows it. */
    public record Ejection(String address, String kind, int ejections, long remainingMillis) {}

    private final ConcurrentHashMap<InetSocketAddress, State> states = new ConcurrentHashMap<>();
    private final LongSupplier ticker;
    private final int threshold;
    private final long baseNanos;
    private final long maxNanos;
    private final MeterRegistry registry;

    /** One failed connect ejects, for 5 s × n up to 60 s. */
    EndpointHealth(MeterRegistry registry, LongSupplier ticker) {
        this(registry, ticker, 1, Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    EndpointHealth(MeterRegistry registry, LongSupplier ticker, int threshold, Duration base, Duration max) {
        if (threshold < 1 || base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("endpoint ejection needs threshold >= 1 and 0 < base <= max, got threshold="
                    + threshold + " base=" + base + " max=" + max);
        }
        this.registry = registry;
        this.ticker = ticker;
        this.threshold = threshold;
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        Gauge.builder("trellis_node_endpoints_ejected", this, EndpointHealth::ejectedCount)
                .description("Upstreams (Service endpoints, waypoint replicas) ejected now after connect failures")
                .register(registry);
    }

    /** Whether new connections should avoid {@code address} now. */
    boolean ejected(InetSocketAddress address) {
        State s = states.get(address);
        return s != null && s.ejected() && ticker.getAsLong() - s.ejectedUntil() < 0;
    }

    /** {@code candidates} without the ejected ones, in their order (all of them when every one is ejected). */
    <T> List<T> usable(List<T> candidates, java.util.function.Function<T, InetSocketAddress> address) {
        List<T> out = new ArrayList<>(candidates.size());
        for (T c : candidates) {
            if (!ejected(address.apply(c))) {
                out.add(c);
            }
        }
        return out.isEmpty() ? candidates : out;
    }

    /** A connection to {@code address} was set up: it is healthy again and its ejection history is forgotten. */
    void connected(InetSocketAddress address) {
        State s = states.get(address);
        if (s != null && (s.consecutiveFailures() > 0 || s.ejections() > 0) && !ejected(address)) {
            states.remove(address, s);
        }
    }

    /**
     * Connecting to {@code address}, one of {@code group}, failed before any byte reached the client.
     *
     * @return whether this failure ejected it
     */
    boolean connectFailed(Kind kind, InetSocketAddress address, Collection<InetSocketAddress> group, String reason) {
        long now = ticker.getAsLong();
        State before = states.getOrDefault(address, new State(kind, 0, 0, now, false));
        if (before.ejected() && now - before.ejectedUntil() < 0) {
            return false; // already out (a connection picked it before the ejection)
        }
        int failures = before.consecutiveFailures() + 1;
        boolean eject = failures >= threshold && ejectedAmong(group, now) + 1 <= group.size() / 2;
        State after;
        if (eject) {
            int n = before.ejections() + 1;
            long time = Math.min(maxNanos, baseNanos * n);
            after = new State(kind, 0, n, now + time, true);
            Counter.builder("trellis_node_endpoint_ejections_total")
                    .description("Upstreams ejected after consecutive connect failures")
                    .tag("kind", kind.label()).register(registry).increment();
            LOG.warn("event=endpoint_ejected kind={} address={} ejections={} for_ms={} group_size={} reason=\"{}\"",
                    kind.label(), address, n, time / 1_000_000, group.size(), reason);
        } else {
            after = new State(kind, failures, before.ejections(), now, false);
            if (failures >= threshold) {
                LOG.info("event=endpoint_ejection_capped kind={} address={} group_size={} reason=\"{}\" "
                        + "note=\"half of the group is ejected already\"", kind.label(), address, group.size(), reason);
            }
        }
        states.put(address, after);
        prune(now);
        return eject;
    }

    private int ejectedAmong(Collection<InetSocketAddress> group, long now) {
        int n = 0;
        for (InetSocketAddress a : group) {
            State s = states.get(a);
            if (s != null && s.ejected() && now - s.ejectedUntil() < 0) {
                n++;
            }
        }
        return n;
    }

    /** Forgets upstreams whose last ejection ended longer than the longest ejection ago (they may be long gone). */
    private void prune(long now) {
        states.entrySet().removeIf(e -> now - e.getValue().ejectedUntil() > maxNanos);
    }

    private double ejectedCount() {
        long now = ticker.getAsLong();
        return states.values().stream().filter(s -> s.ejected() && now - s.ejectedUntil() < 0).count();
    }

    /** The upstreams ejected now, for {@code /config_dump}. */
    public List<Ejection> ejections() {
        long now = ticker.getAsLong();
        List<Ejection> out = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, State> e : states.entrySet()) {
            State s = e.getValue();
            if (s.ejected() && now - s.ejectedUntil() < 0) {
                out.add(new Ejection(e.getKey().getAddress().getHostAddress() + ":" + e.getKey().getPort(),
                        s.kind().label(), s.ejections(), (s.ejectedUntil() - now) / 1_000_000));
            }
        }
        out.sort(Comparator.comparing(Ejection::address));
        return out;
    }
}
