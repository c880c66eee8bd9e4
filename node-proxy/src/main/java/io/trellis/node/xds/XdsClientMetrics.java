package io.trellis.node.xds;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The xDS client's meters: {@code trellis_xds_client_connected} (1 while the stream is up),
 * {@code trellis_xds_client_disconnects_total}, {@code trellis_xds_client_nacks_total{type}},
 * {@code trellis_xds_client_updates_total{type}}, {@code trellis_xds_client_resources{type}}.
 */
final class XdsClientMetrics {

    private final AtomicInteger connected = new AtomicInteger();
    private final Counter disconnects;
    private final Map<XdsType, Counter> nacks = new EnumMap<>(XdsType.class);
    private final Map<XdsType, Counter> updates = new EnumMap<>(XdsType.class);
    private final Map<XdsType, AtomicInteger> resources = new EnumMap<>(XdsType.class);

    XdsClientMetrics(MeterRegistry registry) {
        Gauge.builder("trellis.xds.client.connected", connected, AtomicInteger::get)
                .description("1 while the workload xDS stream to the controller is up").register(registry);
        disconnects = Counter.builder("trellis.xds.client.disconnects")
                .description("Broken workload xDS streams (the last good config keeps serving)").register(registry);
        for (XdsType t : XdsType.values()) {
            String type = t.shortName();
            nacks.put(t, Counter.builder("trellis.xds.client.nacks").tag("type", type)
                    .description("Updates rejected (NACKed) by this node-proxy").register(registry));
            updates.put(t, Counter.builder("trellis.xds.client.updates").tag("type", type)
                    .description("Updates received").register(registry));
            AtomicInteger n = new AtomicInteger();
            resources.put(t, n);
            Gauge.builder("trellis.xds.client.resources", n, AtomicInteger::get).tag("type", type)
                    .description("Resources in use").register(registry);
        }
    }

    void state(XdsStatus.State state) {
        connected.set(state == XdsStatus.State.CONNECTED ? 1 : 0);
    }

    void disconnected() {
        disconnects.increment();
    }

    void nacked(XdsType type) {
        nacks.get(type).increment();
    }

    void updated(XdsType type, int total) {
        updates.get(type).increment();
        resources.get(type).set(total);
    }
}
