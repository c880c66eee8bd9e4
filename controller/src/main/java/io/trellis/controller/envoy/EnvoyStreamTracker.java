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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ACK/NACK bookkeeping for Envoy xDS streams (waypoints, proxyless gRPC), which java-control-plane serves:
 * per stream and type the last nonce sent and acknowledged, the version and number of resources acknowledged,
 * those sent and not yet acknowledged, and the last NACK, for the status API; and the same push/NACK counters as
 * the workload stream, with Envoy type labels.
 *
 * <p>An ACK names only a nonce (and, state of the world, a version), so what each response carried is kept by
 * nonce until the client answers it: a state-of-the-world ACK makes that response's resource count the acked
 * one; a delta ACK applies that response's added and removed names to the acked set.
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

    /** What one response carried: its version, and its resources (state of the world) or changes (delta). */
    private record Sent(String version, int resources, List<String> added, List<String> removed, boolean delta) {}

    /** Responses a client has not answered are rare beyond one; a misbehaving client must not grow the map. */
    private static final int MAX_UNANSWERED = 8;

    private static final class Type {
        String lastSent = "";
        String lastAcked = "";
        String ackedVersion = "";
        int ackedResources;
        /** Delta streams: the names the client holds. */
        final Set<String> ackedNames = new HashSet<>();
        /** Responses sent and not answered yet, oldest first. */
        final LinkedHashMap<String, Sent> unanswered = new LinkedHashMap<>();
        @Nullable Nack lastNack;
        long nacks;

        void sent(String nonce, Sent what) {
            lastSent = nonce;
            unanswered.put(nonce, what);
            if (unanswered.size() > MAX_UNANSWERED) {
                unanswered.pollFirstEntry();
            }
        }

        /** The client accepted {@code nonce} (at {@code version}, given by state-of-the-world clients). */
        void acked(String nonce, String version) {
            lastAcked = nonce;
            lastNack = null;
            Sent s = unanswered.get(nonce);
            if (s == null) {
                return;
            }
            // answers come in order: whatever was sent before this response is superseded by it
            while (!unanswered.isEmpty()) {
                if (unanswered.pollFirstEntry().getKey().equals(nonce)) {
                    break;
                }
            }
            if (s.delta()) {
                ackedNames.removeAll(s.removed());
                ackedNames.addAll(s.added());
                ackedResources = ackedNames.size();
            } else {
                ackedResources = s.resources();
            }
            ackedVersion = version.isEmpty() ? s.version() : version;
        }

        /** Resources in the newest response while the client has not acknowledged it. */
        int pending() {
            Sent s = unanswered.get(lastSent);
            if (s == null || lastSent.equals(lastAcked)) {
                return 0;
            }
            return s.delta() ? s.added().size() + s.removed().size() : s.resources();
        }
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
                request.getResponseNonce(), request.getVersionInfo(),
                request.hasErrorDetail() ? request.getErrorDetail() : null);
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        request(streamId, request.hasNode() ? request.getNode().getId() : "", request.getTypeUrl(),
                request.getResponseNonce(), "", request.hasErrorDetail() ? request.getErrorDetail() : null);
    }

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        sent(streamId, response.getTypeUrl(), response.getNonce(), response.getSerializedSize(),
                new Sent(response.getVersionInfo(), response.getResourcesCount(), List.of(), List.of(), false));
    }

    @Override
    public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request,
                                        DeltaDiscoveryResponse response) {
        List<String> added = response.getResourcesList().stream().map(r -> r.getName()).toList();
        sent(streamId, response.getTypeUrl(), response.getNonce(), response.getSerializedSize(),
                new Sent(response.getSystemVersionInfo(), added.size(), added,
                        List.copyOf(response.getRemovedResourcesList()), true));
    }

    private void sent(long streamId, String typeUrl, String nonce, int bytes, Sent what) {
        Stream s = streams.get(streamId);
        if (s != null) {
            synchronized (s) {
                s.types.computeIfAbsent(typeUrl, t -> new Type()).sent(nonce, what);
            }
        }
        Counter.builder("trellis.xds.pushes").tag("type", shortType(typeUrl)).register(registry).increment();
        Counter.builder("trellis.xds.push.bytes").baseUnit("bytes").tag("type", shortType(typeUrl))
                .register(registry).increment(bytes);
    }

    private void request(long streamId, String nodeId, String typeUrl, String nonce, String version,
                         @Nullable Status error) {
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
                t.acked(nonce, version);
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
                            .setLastAckedNonce(t.lastAcked).setLastAckedVersion(t.ackedVersion)
                            .setAckedResources(t.ackedResources).setPendingResources(t.pending())
                            .setNacksTotal(t.nacks);
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
