package io.trellis.waypoint.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.trellis.waypoint.config.XdsNackException;
import io.trellis.waypoint.proxy.WaypointConfig;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waypoint's ADS client (state of the world) to the controller.
 *
 * <p>Subscribes to every listener and cluster for its node id ({@code waypoint~<ns>~<gateway>}, which
 * the controller scopes to the services bound to that Gateway), then to the routes those listeners
 * name and the endpoints of those clusters. Every response is translated by the {@code config}
 * translators: one unsupported or invalid resource NACKs the whole response with the translator's
 * field-path message and the previous resources stay; otherwise it is ACKed and, once listeners,
 * routes, clusters and endpoints are consistent, the {@link WaypointConfig} is handed to
 * {@code publish} (the data path's {@code WaypointProxy::apply}, one volatile write). A config the data
 * path refuses ({@link IllegalArgumentException}) is NACKed too.
 *
 * <p>When the stream fails or the controller goes away, the last good config keeps serving and the
 * client reconnects after a jittered exponential backoff, re-subscribing with the versions it has.
 *
 * <p>Threads: everything runs on {@code executor} (one thread), so state needs no locks; gRPC callbacks
 * only hand work to it.
 */
public final class WaypointXdsClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointXdsClient.class);

    private final Channel channel;
    private final Node node;
    private final Consumer<WaypointConfig> publish;
    private final ScheduledExecutorService executor;
    private final RandomGenerator random;
    private final XdsBackoff backoff;

    // state owned by the executor thread
    private XdsResources accepted = XdsResources.empty();
    private final Map<EnvoyType, String> versions = new EnumMap<>(EnvoyType.class);
    private final Map<EnvoyType, Set<String>> subscribed = new EnumMap<>(EnvoyType.class);
    /** Types whose latest response was rejected, with the message; an ACK of that same type clears it. */
    private final Map<EnvoyType, String> rejected = new EnumMap<>(EnvoyType.class);
    private @Nullable ClientCallStreamObserver<DiscoveryRequest> stream;
    private int failures;
    private boolean closed;

    // read by status callers on other threads
    private volatile boolean hasConfig;
    private volatile boolean connected;
    private volatile @Nullable String lastNack;
    private volatile long nacks;
    private volatile long applied;

    /**
     * @param channel to the controller's xDS port
     * @param nodeId {@code waypoint~<namespace>~<gateway>}
     * @param publish receives each complete, valid config; may throw {@link IllegalArgumentException} to refuse it
     * @param executor a single-threaded scheduler owned by the caller
     */
    public WaypointXdsClient(Channel channel, String nodeId, Consumer<WaypointConfig> publish,
            ScheduledExecutorService executor, RandomGenerator random, XdsBackoff backoff) {
        this.channel = channel;
        this.node = Node.newBuilder().setId(nodeId).setUserAgentName("trellis-waypoint").build();
        this.publish = publish;
        this.executor = executor;
        this.random = random;
        this.backoff = backoff;
    }

    /** The node id a waypoint for Gateway {@code namespace/gateway} sends (the controller scopes by it). */
    public static String nodeId(String namespace, String gateway) {
        return "waypoint~" + namespace + "~" + gateway;
    }

    /** Opens the stream (asynchronously). */
    public void start() {
        executor.execute(this::connect);
    }

    /** Whether a complete config has been published at least once (readiness). */
    public boolean hasConfig() {
        return hasConfig;
    }

    /** Whether the stream to the controller is up and has delivered a response. */
    public boolean connected() {
        return connected;
    }

    /** The last NACK's message, or null if the last response of every type was accepted. */
    public @Nullable String lastNack() {
        return lastNack;
    }

    /** NACKs sent since start. */
    public long nacks() {
        return nacks;
    }

    /** Configs published since start. */
    public long applied() {
        return applied;
    }

    private void connect() {
        if (closed) {
            return;
        }
        if (failures > 0 && channel instanceof ManagedChannel managed) {
            // the channel's own connect backoff (grpc-java: up to 2 minutes) would fail this attempt fast long after
            // the controller is back; our backoff decides when to try (the node-proxy's xDS client does the same)
            managed.resetConnectBackoff();
        }
        Observer observer = new Observer();
        AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(observer);
        ClientCallStreamObserver<DiscoveryRequest> s = observer.requests;
        if (s == null) {
            return;
        }
        stream = s;
        subscribed.clear();
        // A fresh stream starts without version_info: a restarted controller may reuse version strings for other
        // content, and must answer at once so that we know the stream is up. Re-applying equal content keeps the
        // data path's cluster state (breakers, outlier history).
        versions.clear();
        for (EnvoyType t : EnvoyType.values()) {
            if (t.wildcard) {
                send(t, Set.of(), "", "", null);
            }
        }
        // On a reconnect, ask again for the routes and endpoints we hold, so they come back without waiting.
        updateSubscriptions();
        LOG.info("event=xds_connecting node={}", node.getId());
    }

    private final class Observer implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
        @Nullable ClientCallStreamObserver<DiscoveryRequest> requests;

        @Override
        public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(DiscoveryResponse response) {
            run(() -> {
                if (stream == requests) {
                    handle(response);
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            run(() -> streamEnded(requests, t.toString()));
        }

        @Override
        public void onCompleted() {
            run(() -> streamEnded(requests, "closed by the controller"));
        }

        private void run(Runnable r) {
            try {
                executor.execute(r);
            } catch (RejectedExecutionException e) {
                // the owner shut the executor down: we are closing, nothing left to do
            }
        }
    }

    private void streamEnded(@Nullable ClientCallStreamObserver<DiscoveryRequest> which, String why) {
        if (which != stream || closed) {
            return;
        }
        stream = null;
        connected = false;
        Duration delay = backoff.delay(failures++, random);
        LOG.warn("event=xds_disconnected node={} reason=\"{}\" retry_in_ms={} serving=last_good_config", node.getId(),
                why, delay.toMillis());
        executor.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void handle(DiscoveryResponse response) {
        connected = true;
        failures = 0;
        EnvoyType type;
        try {
            type = EnvoyType.of(response.getTypeUrl());
        } catch (IllegalArgumentException e) {
            LOG.warn("event=xds_unexpected_type type={}", response.getTypeUrl());
            return;
        }
        XdsResources next;
        try {
            next = accepted.with(type, response.getResourcesList());
            WaypointConfig config = next.config();
            if (config != null) {
                publish.accept(config);
                hasConfig = true;
                applied++;
            }
        } catch (XdsNackException | IllegalArgumentException e) {
            nack(type, response, e.getMessage());
            return;
        } catch (InvalidProtocolBufferException e) {
            nack(type, response, "malformed " + type.typeUrl + ": " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            // A translator bug must not take the waypoint down; the previous config stays.
            LOG.error("event=xds_apply_failed type={} version={}", type, response.getVersionInfo(), e);
            nack(type, response, "internal error applying " + type + ": " + e);
            return;
        }
        accepted = next;
        versions.put(type, response.getVersionInfo());
        if (rejected.remove(type) != null) {
            // another type may still stand rejected: its message stays visible until that type is accepted
            lastNack = rejected.isEmpty() ? null : rejected.values().iterator().next();
        }
        send(type, subscribed.getOrDefault(type, Set.of()), response.getVersionInfo(), response.getNonce(), null);
        LOG.info("event=xds_ack node={} type={} version={} resources={}", node.getId(), type,
                response.getVersionInfo(), response.getResourcesCount());
        updateSubscriptions();
    }

    private void nack(EnvoyType type, DiscoveryResponse response, @Nullable String message) {
        String detail = message == null ? "rejected" : message;
        rejected.put(type, detail);
        lastNack = detail;
        nacks++;
        LOG.warn("event=xds_nack node={} type={} version={} error=\"{}\"", node.getId(), type,
                response.getVersionInfo(), detail);
        // version_info names the rejected version rather than the last accepted one: java-control-plane answers
        // any request whose version differs from its snapshot's, so the usual form would have it resend the same
        // bad resources at once, in a loop. With this it waits for the next change, which is what a fix needs.
        send(type, subscribed.getOrDefault(type, Set.of()), response.getVersionInfo(), response.getNonce(),
                Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(detail).build());
    }

    /** Sends a new request for RDS/EDS when the names we need changed. */
    private void updateSubscriptions() {
        for (EnvoyType t : EnvoyType.values()) {
            if (t.wildcard) {
                continue;
            }
            Set<String> want = accepted.subscriptions(t);
            if (!want.equals(subscribed.get(t)) && !(want.isEmpty() && subscribed.get(t) == null)) {
                send(t, want, versions.getOrDefault(t, ""), "", null);
            }
        }
    }

    private void send(EnvoyType type, Set<String> names, String version, String nonce, @Nullable Status error) {
        ClientCallStreamObserver<DiscoveryRequest> s = stream;
        if (s == null) {
            return;
        }
        subscribed.put(type, Set.copyOf(names));
        DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type.typeUrl)
                .addAllResourceNames(names).setVersionInfo(version).setResponseNonce(nonce);
        if (error != null) {
            r.setErrorDetail(error);
        }
        s.onNext(r.build());
    }

    /** Closes the stream; the published config stays with the data path. */
    @Override
    public void close() {
        executor.execute(() -> {
            closed = true;
            ClientCallStreamObserver<DiscoveryRequest> s = stream;
            stream = null;
            if (s != null) {
                s.cancel("waypoint shutting down", null);
            }
        });
    }
}
