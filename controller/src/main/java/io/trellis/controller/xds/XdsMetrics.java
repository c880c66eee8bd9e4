package io.trellis.controller.xds;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workload xDS server's metrics. In Prometheus: {@code trellis_xds_connected_proxies},
 * {@code trellis_xds_pushes_total{type}}, {@code trellis_xds_push_bytes_total{type}},
 * {@code trellis_xds_nacks_total{type}}, {@code trellis_xds_change_to_ack_seconds{type}} (histogram).
 */
final class XdsMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger connected = new AtomicInteger();

    XdsMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("trellis.xds.connected.proxies", connected);
    }

    void connected() {
        connected.incrementAndGet();
    }

    void disconnected() {
        connected.decrementAndGet();
    }

    void pushed(String typeUrl, int bytes) {
        Counter.builder("trellis.xds.pushes").tag("type", shortType(typeUrl)).register(registry).increment();
        Counter.builder("trellis.xds.push.bytes").baseUnit("bytes").tag("type", shortType(typeUrl))
                .register(registry).increment(bytes);
    }

    void nacked(String typeUrl) {
        Counter.builder("trellis.xds.nacks").tag("type", shortType(typeUrl)).register(registry).increment();
    }

    void acked(String typeUrl, Duration sinceChange) {
        Timer.builder("trellis.xds.change.to.ack").tag("type", shortType(typeUrl)).publishPercentileHistogram()
                .register(registry).record(sinceChange);
    }

    /** {@code Workload} for {@code type.googleapis.com/trellis.workload.v1.Workload}: short label values. */
    static String shortType(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }
}
