package io.trellis.controller.envoy;

import com.google.protobuf.Timestamp;
import com.google.rpc.Status;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.api.workload.v1.Nack;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.TypeStatus;
import io.trellis.controller.xds.PeerAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ACK/NACK bookkeeping for Envoy xDS streams (waypoints, proxyless gRPC), which java-control-plane serves:
 * per stream and type the last nonce sent and acknowledged and the last NACK, for the status API; and the
 * same push/NACK counters as the workload stream, with Envoy type labels.
 */
public final class EnvoyStreamTracker implements DiscoveryServerCallbacks {

    private static final Logger LOG = LoggerFactory.getLogger(EnvoyStreamTracker.class);

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger connected = new AtomicInteger();

    private static final class Stream {
        final String peer;
        final Instant connectedAt;
        volatile String nodeId = "";
        final Map<String, Type> types = new TreeMap<>();

        Stream(String peer, Instant connectedAt) {
            this.peer = peer;
            this.connectedAt = connectedAt;
        }
    }

    private static final class Type {
        String lastSent = "";
        String lastAcked = "";
        @Nullable Nack lastNack;
        long nacks;
    }

    public EnvoyStreamTracker(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        registry.gauge("trellis.xds.envoy.connected.proxies", connected);
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
        streams.put(streamId, new Stream(PeerAddress.current(), clock.instant()));
        connected.incrementAndGet();
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
        if (streams.remove(streamId) != null) {
            connected.decrementAndGet();
        }
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        onStreamClose(streamId, typeUrl);
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        request(streamId, request.hasNode() ? request.getNode().getId() : "", request.getTypeUrl(),
                request.getResponseNonce(), request.hasErrorDetail() ? request.getErrorDetail() : null);
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        request(streamId, request.hasNode() ? request.getNode().getId() : "", request.getTypeUrl(),
                request.getResponseNonce(), request.hasErrorDetail() ? request.getErrorDetail() : null);
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        sent(streamId, response.getTypeUrl(), response.getNonce(), response.getSerializedSize());
    }

    @Override
    public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request,
                                        DeltaDiscoveryResponse response) {
        sent(streamId, response.getTypeUrl(), response.getNonce(), response.getSerializedSize());
    }

    private void sent(long streamId, String typeUrl, String nonce, int bytes) {
        Stream s = streams.get(streamId);
        if (s != null) {
            synchronized (s) {
                s.types.computeIfAbsent(typeUrl, t -> new Type()).lastSent = nonce;
            }
        }
        Counter.builder("trellis.xds.pushes").tag("type", shortType(typeUrl)).register(registry).increment();
        Counter.builder("trellis.xds.push.bytes").baseUnit("bytes").tag("type", shortType(typeUrl))
                .register(registry).increment(bytes);
    }

    private void request(long streamId, String nodeId, String typeUrl, String nonce, @Nullable Status error) {
        Stream s = streams.get(streamId);
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (!nodeId.isEmpty()) {
                s.nodeId = nodeId;
            }
            if (nonce.isEmpty()) {
                return;
            }
            Type t = s.types.computeIfAbsent(typeUrl, x -> new Type());
            if (error != null && (error.getCode() != 0 || !error.getMessage().isEmpty())) {
                t.nacks++;
                Instant now = clock.instant();
                t.lastNack = Nack.newBuilder().setNonce(nonce).setCode(error.getCode()).setMessage(error.getMessage())
                        .setAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                        .build();
                Counter.builder("trellis.xds.nacks").tag("type", shortType(typeUrl)).register(registry).increment();
                LOG.warn("event=xds_nack api=envoy proxy={} peer={} type={} nonce={} error=\"{}\"", s.nodeId, s.peer,
                        shortType(typeUrl), nonce, error.getMessage());
            } else {
                t.lastAcked = nonce;
                t.lastNack = null;
            }
        }
    }

    /** Every connected Envoy xDS client, sorted by node id. */
    public List<ProxyStatus> statuses() {
        List<ProxyStatus> out = new ArrayList<>();
        for (Stream s : streams.values()) {
            synchronized (s) {
                ProxyStatus.Builder b = ProxyStatus.newBuilder().setProxyId(s.nodeId).setPeer(s.peer)
                        .setConnectedAt(Timestamp.newBuilder().setSeconds(s.connectedAt.getEpochSecond()));
                s.types.forEach((typeUrl, t) -> {
                    TypeStatus.Builder ts = TypeStatus.newBuilder().setTypeUrl(typeUrl).setLastSentNonce(t.lastSent)
                            .setLastAckedNonce(t.lastAcked).setNacksTotal(t.nacks);
                    if (t.lastNack != null) {
                        ts.setLastNack(t.lastNack);
                    }
                    b.addTypes(ts);
                });
                out.add(b.build());
            }
        }
        out.sort(Comparator.comparing(ProxyStatus::getProxyId));
        return out;
    }

    private static String shortType(String typeUrl) {
        return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    }
}
