package io.trellis.controller.xds;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.trellis.api.workload.v1.Nack;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.TypeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node-proxy's delta stream: its subscriptions, what was sent and acknowledged per type, and its NACKs.
 *
 * <p>Requests arrive on gRPC's thread, snapshots on the push thread; both take this object's lock, which also
 * serializes writes to the response observer (gRPC observers are not thread-safe).
 */
final class ProxyStream implements StreamObserver<DeltaDiscoveryRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyStream.class);
    static final String WILDCARD = "*";

    private final WorkloadXdsServer server;
    private final StreamObserver<DeltaDiscoveryResponse> out;
    private final String peer;
    private final Instant connectedAt;
    private final Map<String, TypeState> types = new TreeMap<>();
    private String proxyId = "";
    private long nonces;
    private boolean closed;
    /** A snapshot was skipped because the stream was not ready. */
    private boolean deferred;

    ProxyStream(WorkloadXdsServer server, StreamObserver<DeltaDiscoveryResponse> out, String peer,
                Instant connectedAt) {
        this.server = server;
        this.out = out;
        this.peer = peer;
        this.connectedAt = connectedAt;
    }

    @Override
    public synchronized void onNext(DeltaDiscoveryRequest request) {
        if (closed) {
            return;
        }
        if (proxyId.isEmpty() && request.hasNode()) {
            proxyId = request.getNode().getId();
        }
        String typeUrl = request.getTypeUrl();
        if (!TypeUrls.ALL.contains(typeUrl)) {
            LOG.warn("event=xds_unknown_type proxy={} peer={} type={} problem=\"not served here; known types: {}\"",
                    proxyId, peer, typeUrl, TypeUrls.ALL);
            return;
        }
        TypeState state = types.get(typeUrl);
        boolean first = state == null;
        if (state == null) {
            state = new TypeState(typeUrl);
            types.put(typeUrl, state);
        }
        if (!request.getResponseNonce().isEmpty()) {
            answer(state, request);
        }
        if (subscribe(state, request, first)) {
            push(state, server.current(), first);
        }
    }

    /** Applies an ACK or NACK of a response this stream sent. */
    private void answer(TypeState state, DeltaDiscoveryRequest request) {
        String nonce = request.getResponseNonce();
        TypeState.Pending pending = state.inflight.remove(nonce);
        if (pending == null) {
            LOG.debug("event=xds_stale_nonce proxy={} type={} nonce={}", proxyId, state.typeUrl, nonce);
            return;
        }
        boolean nack = request.hasErrorDetail()
                && (request.getErrorDetail().getCode() != 0 || !request.getErrorDetail().getMessage().isEmpty());
        if (nack) {
            // the proxy keeps running what it acknowledged before: acked stays as it is
            state.nacks++;
            state.lastNack = Nack.newBuilder().setNonce(nonce).setCode(request.getErrorDetail().getCode())
                    .setMessage(request.getErrorDetail().getMessage()).setAt(timestamp(server.now())).build();
            server.metrics().nacked(state.typeUrl);
            LOG.warn("event=xds_nack proxy={} peer={} type={} nonce={} resources={} error=\"{}\"", proxyId, peer,
                    XdsMetrics.shortType(state.typeUrl), nonce, describe(pending.response()),
                    request.getErrorDetail().getMessage());
            return;
        }
        state.ack(pending);
        state.lastAckedNonce = nonce;
        state.lastNack = null;
        if (pending.changeNanos() != 0) {
            server.metrics().acked(state.typeUrl, Duration.ofNanos(server.nanoTime() - pending.changeNanos()));
        }
    }

    private static String describe(DeltaDiscoveryResponse r) {
        int n = r.getResourcesCount() + r.getRemovedResourcesCount();
        if (n > 10) {
            return n + " resources";
        }
        List<String> names = new ArrayList<>();
        r.getResourcesList().forEach(x -> names.add(x.getName()));
        names.addAll(r.getRemovedResourcesList());
        return names.toString();
    }

    /** Returns whether the subscription changed (or was just made), so that a push is due. */
    private boolean subscribe(TypeState state, DeltaDiscoveryRequest request, boolean first) {
        if (first) {
            // an empty first request is a wildcard subscription (legacy rule of the delta protocol)
            state.wildcard = request.getResourceNamesSubscribeCount() == 0;
            if (request.getInitialResourceVersionsCount() > 0) {
                state.sent = Versions.of(state.typeUrl, request.getInitialResourceVersionsMap());
                state.acked = state.sent;
            }
        }
        for (String name : request.getResourceNamesSubscribeList()) {
            if (name.equals(WILDCARD)) {
                state.wildcard = true;
            } else {
                state.names.add(name);
            }
        }
        for (String name : request.getResourceNamesUnsubscribeList()) {
            if (name.equals(WILDCARD)) {
                state.wildcard = false;
            } else {
                state.names.remove(name);
            }
        }
        if (request.getResourceNamesUnsubscribeCount() > 0) {
            // the proxy dropped these itself: forget them, or a later push would "remove" them again
            state.sent = state.sent.restrictTo(state::wants);
            state.acked = state.acked.restrictTo(state::wants);
        }
        return first || request.getResourceNamesSubscribeCount() > 0 || request.getResourceNamesUnsubscribeCount() > 0;
    }

    /**
     * Called by the server for each new snapshot. A stream whose transport buffer is full (a slow proxy) is
     * skipped; when it drains, {@link #onReady()} sends one response with everything that changed meanwhile,
     * so a slow proxy costs neither memory nor a backlog of stale responses.
     */
    synchronized void onSnapshot(ResourceSnapshot snapshot) {
        if (closed) {
            return;
        }
        if (out instanceof ServerCallStreamObserver<DeltaDiscoveryResponse> call && !call.isReady()) {
            deferred = true;
            return;
        }
        for (TypeState state : types.values()) {
            push(state, snapshot, false);
        }
    }

    /** The transport can take more: send what was held back. */
    synchronized void onReady() {
        if (closed || !deferred) {
            return;
        }
        deferred = false;
        ResourceSnapshot snapshot = server.current();
        for (TypeState state : types.values()) {
            push(state, snapshot, false);
        }
    }

    /**
     * Sends what differs between the snapshot and what this stream was sent. Wildcard streams in step with
     * the previous snapshot (the usual case) get the snapshot's shared delta response; a wildcard stream that
     * has nothing gets the shared full response; anything else gets a response of its own.
     *
     * @param evenIfNothing answer with an empty response (first subscription: tells the proxy it is in sync)
     */
    private void push(TypeState state, ResourceSnapshot snapshot, boolean evenIfNothing) {
        Versions before = state.sent;
        DeltaDiscoveryResponse response;
        Versions after;
        if (state.wildcard && before.base() != null && before.overlay().isEmpty()
                && before.base().generation() == snapshot.generation() - 1) {
            response = snapshot.deltaResponse(state.typeUrl);
            after = Versions.exactly(state.typeUrl, snapshot);
        } else if (state.wildcard && before.isEmpty()) {
            response = snapshot.fullResponse(state.typeUrl);
            after = Versions.exactly(state.typeUrl, snapshot);
        } else if (state.wildcard && before.isExactly(snapshot)) {
            response = snapshot.header(state.typeUrl, "").build();
            after = before;
        } else {
            response = diff(state, before, snapshot);
            after = state.wildcard ? Versions.exactly(state.typeUrl, snapshot) : before.plus(response);
        }
        if (response.getResourcesCount() == 0 && response.getRemovedResourcesCount() == 0) {
            state.sent = after;
            if (!evenIfNothing) {
                return;
            }
        }
        if (!response.getNonce().isEmpty() && state.inflight.containsKey(response.getNonce())) {
            // a second shared response of the same snapshot (re-subscription): give it a nonce of its own
            response = response.toBuilder().setNonce(ownNonce(snapshot)).build();
        } else if (response.getNonce().isEmpty()) {
            response = response.toBuilder().setNonce(ownNonce(snapshot)).build();
        }
        state.sent = after;
        state.inflight.put(response.getNonce(), new TypeState.Pending(response, before, after, snapshot.changeNanos()));
        state.lastSentNonce = response.getNonce();
        server.metrics().pushed(state.typeUrl, response.getSerializedSize());
        out.onNext(response);
    }

    private String ownNonce(ResourceSnapshot snapshot) {
        return snapshot.generation() + "-" + (++nonces);
    }

    /** A response of this stream's own: everything whose version differs from what it was sent. */
    private DeltaDiscoveryResponse diff(TypeState state, Versions before, ResourceSnapshot snapshot) {
        Map<String, VersionedResource> resources = snapshot.resources(state.typeUrl);
        Set<String> candidates = new TreeSet<>(before.names());
        if (state.wildcard) {
            candidates.addAll(resources.keySet());
        } else {
            candidates.addAll(state.names);
        }
        DeltaDiscoveryResponse.Builder response = snapshot.header(state.typeUrl, "");
        for (String name : candidates) {
            VersionedResource r = resources.get(name);
            String sentVersion = before.version(name);
            if (r != null && state.wants(name)) {
                if (!r.version().equals(sentVersion)) {
                    response.addResources(ResourceSnapshot.resource(r));
                }
            } else if (sentVersion != null) {
                response.addRemovedResources(name);
            }
        }
        return response.build();
    }

    @Override
    public void onError(Throwable t) {
        close("error: " + t.getMessage());
    }

    @Override
    public void onCompleted() {
        close("completed");
        synchronized (this) {
            out.onCompleted();
        }
    }

    private void close(String why) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        server.remove(this);
        LOG.info("event=xds_disconnected proxy={} peer={} reason=\"{}\"", proxyId, peer, why);
    }

    synchronized ProxyStatus status() {
        ProxyStatus.Builder b = ProxyStatus.newBuilder().setProxyId(proxyId).setPeer(peer)
                .setConnectedAt(timestamp(connectedAt));
        for (TypeState s : types.values()) {
            TypeStatus.Builder t = TypeStatus.newBuilder().setTypeUrl(s.typeUrl)
                    .setAckedResources(s.acked.size()).setPendingResources(s.pendingResources())
                    .setLastSentNonce(s.lastSentNonce).setLastAckedNonce(s.lastAckedNonce).setNacksTotal(s.nacks);
            if (s.lastNack != null) {
                t.setLastNack(s.lastNack);
            }
            b.addTypes(t);
        }
        return b.build();
    }

    /** The version the proxy acknowledged for one resource, or null. For status and tests. */
    synchronized @Nullable String ackedVersion(String typeUrl, String name) {
        TypeState s = types.get(typeUrl);
        return s == null ? null : s.acked.version(name);
    }

    synchronized String proxyId() {
        return proxyId;
    }

    private static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
