package io.trellis.controller.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.trellis.api.workload.v1.Nack;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** What one proxy stream has of one type URL. Guarded by its {@link ProxyStream}. */
final class TypeState {

    final String typeUrl;
    boolean wildcard;
    final Set<String> names = new HashSet<>();
    /** What was sent: the next push sends only what differs from it. */
    Versions sent;
    /** What the proxy acknowledged: what it runs with. */
    Versions acked;
    /** Responses not yet answered, by nonce, in send order. */
    final Map<String, Pending> inflight = new LinkedHashMap<>();
    String lastSentNonce = "";
    String lastAckedNonce = "";
    @Nullable Nack lastNack;
    long nacks;

    /**
     * A response in flight.
     *
     * @param before what was sent before it
     * @param after  what was sent after it
     */
    record Pending(DeltaDiscoveryResponse response, Versions before, Versions after, long changeNanos) {}

    TypeState(String typeUrl) {
        this.typeUrl = typeUrl;
        this.sent = Versions.none(typeUrl);
        this.acked = sent;
    }

    boolean wants(String name) {
        return wildcard || names.contains(name);
    }

    /** The proxy applied a response: it now runs what was sent, or, after an earlier NACK, a mix. */
    void ack(Pending p) {
        acked = acked == p.before() ? p.after() : acked.plus(p.response());
    }

    int pendingResources() {
        return Versions.differences(sent, acked);
    }
}
