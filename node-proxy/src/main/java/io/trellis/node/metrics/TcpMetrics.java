package io.trellis.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Istio's L4 metrics: {@code istio_tcp_connections_opened_total}, {@code istio_tcp_connections_closed_total},
 * {@code istio_tcp_sent_bytes_total} (towards the client: response direction) and
 * {@code istio_tcp_received_bytes_total} (from the client: request direction). The Micrometer names lack
 * {@code _total}: the Prometheus registry appends it to counters.
 *
 * <p>Meters are registered once per label set and cached: a connection looks its {@link ConnectionMeters} up once,
 * and counting bytes then allocates nothing.
 */
public final class TcpMetrics {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<ConnectionLabels, ConnectionMeters> cache = new ConcurrentHashMap<>();

    public TcpMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The meters of one label set; the same object every time for equal labels. */
    public ConnectionMeters meters(ConnectionLabels labels) {
        ConnectionMeters m = cache.get(labels);
        return m != null ? m : cache.computeIfAbsent(labels, this::register);
    }

    private ConnectionMeters register(ConnectionLabels labels) {
        var tags = labels.tags();
        return new ConnectionMeters(this, labels,
                Counter.builder("istio.tcp.connections.opened").description("TCP connections opened")
                        .tags(tags).register(registry),
                Counter.builder("istio.tcp.connections.closed").description("TCP connections closed")
                        .tags(tags).register(registry),
                Counter.builder("istio.tcp.sent.bytes").description("Bytes sent to the client (response direction)")
                        .baseUnit("bytes").tags(tags).register(registry),
                Counter.builder("istio.tcp.received.bytes")
                        .description("Bytes received from the client (request direction)")
                        .baseUnit("bytes").tags(tags).register(registry));
    }

    /** Distinct label sets registered (cardinality, for the admin page and tests). */
    public int labelSets() {
        return cache.size();
    }
}
