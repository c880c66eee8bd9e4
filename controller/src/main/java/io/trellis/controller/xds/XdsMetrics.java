package io.trellis.controller.xds;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workload xDS server's metrics. In Prometheus: {@code trellis_xds_connected_proxies},
 * {@code trellis_xds_pushes_total{type}}, {@code trellis_xds_push_bytes_total{type}},
 * {@code trellis_xds_nacks_total{type}}, {@code trellis_xds_change_to_ack_seconds{type}} (histogram).
 * Meters are looked up once per type: they are updated for every response and every ACK of every proxy.
 */
final class XdsMetrics {

    private record TypeMeters(Counter pushes, Counter bytes, Counter nacks, Timer changeToAck) {}

    private final MeterRegistry registry;
    private final AtomicInteger connected = new AtomicInteger();
    private final Map<String, TypeMeters> byType = new ConcurrentHashMap<>();

    XdsMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("trellis.xds.connected.proxies", connected);
    }

    private TypeMeters meters(String typeUrl) {
        return byType.computeIfAbsent(typeUrl, t -> {
            String type = shortType(t);
            return new TypeMeters(
                    Counter.builder("trellis.xds.pushes").tag("type", type).register(registry),
                    Counter.builder("trellis.xds.push.bytes").baseUnit("bytes").tag("type", type).register(registry),
                    Counter.builder("trellis.xds.nacks").tag("type", type).register(registry),
                    Timer.builder("trellis.xds.change.to.ack").tag("type", type).publishPercentileHistogram()
                            .register(registry));
        });
    }

    void connected() {
        connected.incrementAndGet();
    }

    void disconnected() {
        connected.decrementAndGet();
    }

    void pushed(String typeUrl, int bytes) {
        TypeMeters m = meters(typeUrl);
        m.pushes().increment();
        m.bytes().increment(bytes);
    }

    void nacked(String typeUrl) {
        meters(typeUrl).nacks().increment();
    }

    void acked(String typeUrl, Duration sinceChange) {
        meters(typeUrl).changeToAck().record(sinceChange);
    }

    /** {@code Workload} for {@code type.googleapis.com/trellis.workload.v1.Workload}: short label values. */
    static String shortType(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }
}
