package io.trellis.node.xds;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import io.trellis.node.state.AuthorizationPolicy;
import io.trellis.node.state.MeshState;
import io.trellis.node.state.MeshStore;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WorkloadInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-proxy's workload xDS client: one delta stream ({@code WorkloadDiscovery/DeltaWorkloads}) with a
 * wildcard subscription per type.
 *
 * <ul>
 *   <li>Each resource is validated into a record at the edge. An invalid one is NACKed with a message naming the
 *       resource and field and its previous version stays; the valid ones of the same response are applied (as
 *       grpc-java's xDS client does). Every applied response publishes one new {@link MeshState}.</li>
 *   <li>On a broken stream it reconnects after a jittered, doubling delay and sends
 *       {@code initial_resource_versions}, so the controller sends only what changed meanwhile. Until then the last
 *       good state keeps serving.</li>
 * </ul>
 *
 * <p>Threads: everything runs on the injected single-threaded {@code executor} (gRPC callbacks are delivered there
 * too), so no state here needs a lock; {@link #status()} reads a volatile snapshot. {@link XdsClientThread} makes
 * that thread and stops it without dropping the buffers of responses gRPC has queued on it.
 */
public final class WorkloadXdsClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadXdsClient.class);

    private record Accepted(String version, Object value) {}

    private final Channel channel;
    private final XdsClientConfig config;
    private final MeshStore store;
    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final RandomGenerator random;
    private final XdsClientMetrics metrics;

    // Executor-thread state.
    private final Map<XdsType, Map<String, Accepted>> resources = new EnumMap<>(XdsType.class);
    private final EnumSet<XdsType> received = EnumSet.noneOf(XdsType.class);
    private final Map<XdsType, String> nackByType = new EnumMap<>(XdsType.class);
    private @Nullable ClientCallStreamObserver<DeltaDiscoveryRequest> stream;
    private long streamId;
    private int failures;
    private boolean closed;

    private volatile XdsStatus status = new XdsStatus(XdsStatus.State.CONNECTING, false, Map.of(), null, null);

    /**
     * @param executor single-threaded; owns this client's state and receives gRPC callbacks
     */
    public WorkloadXdsClient(Channel channel, XdsClientConfig config, MeshStore store,
                             ScheduledExecutorService executor, Clock clock, RandomGenerator random,
                             MeterRegistry registry) {
        this.channel = channel;
        this.config = config;
        this.store = store;
        this.executor = executor;
        this.clock = clock;
        this.random = random;
        this.metrics = new XdsClientMetrics(registry);
        for (XdsType t : XdsType.values()) {
            resources.put(t, Map.of());
        }
    }

    /** Opens the stream (on the executor). */
    public void start() {
        run(this::connect);
    }

    /** State, sync and versions, for admin and readiness. Any thread. */
    public XdsStatus status() {
        return status;
    }

    private void connect() {
        if (closed) {
            return;
        }
        long id = ++streamId;
        if (failures > 0 && channel instanceof ManagedChannel managed) {
            // Under our backoff the channel keeps its own reconnect backoff (grpc-java: up to 2 minutes) and fails
            // calls fast until it elapses: after a 5-minute controller outage the node-proxy stayed disconnected for
            // over a minute once the controller was back. Our retry is the moment to connect, so reset it.
            managed.resetConnectBackoff();
        }
        setState(XdsStatus.State.CONNECTING);
        LOG.info("event=xds_connecting node={} attempt={} known_resources={}", config.nodeId(), failures + 1,
                knownResources());
        WorkloadDiscoveryGrpc.newStub(channel).withExecutor(executor).deltaWorkloads(new Observer(id));
        ClientCallStreamObserver<DeltaDiscoveryRequest> requests = stream;
        if (requests == null) {
            return;
        }
        // responses are delivered on this executor too, so none can arrive before the subscriptions are sent
        for (XdsType t : XdsType.values()) {
            DeltaDiscoveryRequest.Builder r = DeltaDiscoveryRequest.newBuilder().setTypeUrl(t.typeUrl())
                    .addResourceNamesSubscribe("*");
            if (t == XdsType.WORKLOAD) {
                r.setNode(Node.newBuilder().setId(config.nodeId()));
            }
            resources.get(t).forEach((name, a) -> r.putInitialResourceVersions(name, a.version()));
            requests.onNext(r.build());
        }
    }

    private final class Observer implements ClientResponseObserver<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
        private final long id;

        Observer(long id) {
            this.id = id;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<DeltaDiscoveryRequest> requests) {
            // runs on the executor thread inside deltaWorkloads(), before the call starts: only keep the handle
            stream = requests;
        }

        @Override
        public void onNext(DeltaDiscoveryResponse response) {
            if (id == streamId && !closed) {
                onResponse(response);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (id == streamId) {
                onBroken(describe(t));
            }
        }

        @Override
        public void onCompleted() {
            if (id == streamId) {
                onBroken("the controller ended the stream");
            }
        }
    }

    private void onResponse(DeltaDiscoveryResponse response) {
        ClientCallStreamObserver<DeltaDiscoveryRequest> out = stream;
        if (out == null) {
            return;
        }
        failures = 0;
        XdsType type = XdsType.ofUrl(response.getTypeUrl());
        if (type == null) {
            String msg = "type " + response.getTypeUrl() + " is not one this node-proxy subscribed to";
            out.onNext(nack(response.getTypeUrl(), response.getNonce(), msg));
            LOG.warn("event=xds_nack type={} nonce={} error=\"{}\"", response.getTypeUrl(), response.getNonce(), msg);
            return;
        }
        Map<String, Accepted> next = new HashMap<>(resources.get(type));
        List<String> problems = new ArrayList<>();
        for (Resource r : response.getResourcesList()) {
            try {
                next.put(r.getName(), new Accepted(r.getVersion(), ResourceDecoder.decode(type, r.getName(),
                        r.getResource())));
            } catch (InvalidResourceException e) {
                problems.add(e.getMessage());
            } catch (RuntimeException e) {
                // a validation bug must cost this resource, never the stream or the state
                LOG.error("event=xds_decode_bug type={} resource={} error=\"{}\"", type.shortName(), r.getName(),
                        e.toString(), e);
                problems.add(type.shortName() + " " + r.getName() + ": could not be validated: " + e);
            }
        }
        for (String name : response.getRemovedResourcesList()) {
            next.remove(name);
        }
        resources.put(type, Map.copyOf(next));
        received.add(type);
        String msg = problems.isEmpty() ? null : String.join("; ", problems);
        if (msg != null) {
            nackByType.put(type, msg);
            metrics.nacked(type);
        } else {
            nackByType.remove(type);
        }
        int applied = response.getResourcesCount() - problems.size();
        if (applied > 0 || response.getRemovedResourcesCount() > 0) {
            store.publish(buildState());
        }
        metrics.updated(type, next.size());
        setState(XdsStatus.State.CONNECTED);
        // Answer only once the update is in force and the status says so: whoever sees the ACK or NACK at the
        // controller (trellisctl proxy-status, a test) then finds this proxy's state and status already matching.
        if (msg != null) {
            out.onNext(nack(type.typeUrl(), response.getNonce(), msg));
            LOG.warn("event=xds_nack type={} nonce={} rejected={} kept_previous=true error=\"{}\"", type.shortName(),
                    response.getNonce(), problems.size(), msg);
        } else {
            out.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl())
                    .setResponseNonce(response.getNonce()).build());
        }
        LOG.debug("event=xds_update type={} nonce={} applied={} removed={} rejected={} total={}", type.shortName(),
                response.getNonce(), applied, response.getRemovedResourcesCount(), problems.size(), next.size());
    }

    private MeshState buildState() {
        List<WorkloadInfo> workloads = new ArrayList<>();
        resources.get(XdsType.WORKLOAD).values().forEach(a -> workloads.add((WorkloadInfo) a.value()));
        List<ServiceInfo> services = new ArrayList<>();
        resources.get(XdsType.SERVICE).values().forEach(a -> services.add((ServiceInfo) a.value()));
        List<AuthorizationPolicy> policies = new ArrayList<>();
        resources.get(XdsType.AUTHORIZATION).values().forEach(a -> policies.add((AuthorizationPolicy) a.value()));
        return MeshState.of(workloads, services, policies);
    }

    private static DeltaDiscoveryRequest nack(String typeUrl, String nonce, String message) {
        return DeltaDiscoveryRequest.newBuilder().setTypeUrl(typeUrl).setResponseNonce(nonce)
                .setErrorDetail(Status.newBuilder().setCode(io.grpc.Status.Code.INVALID_ARGUMENT.value())
                        .setMessage(message)).build();
    }

    private void onBroken(String why) {
        stream = null;
        streamId++; // late callbacks of the broken stream are ignored
        if (closed) {
            return;
        }
        failures++;
        Duration base = config.backoff(failures);
        Duration delay = Duration.ofNanos((long) (base.toNanos() * (1 + config.jitter() * (2 * random.nextDouble()
                - 1))));
        setState(XdsStatus.State.DISCONNECTED);
        metrics.disconnected();
        LOG.warn("event=xds_disconnected node={} reason=\"{}\" retry_in_ms={} serving_last_good=true "
                        + "workloads={} services={} authorizations={}", config.nodeId(), why, delay.toMillis(),
                resources.get(XdsType.WORKLOAD).size(), resources.get(XdsType.SERVICE).size(),
                resources.get(XdsType.AUTHORIZATION).size());
        try {
            executor.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            closed = true;
        }
    }

    private void setState(XdsStatus.State state) {
        Map<String, Map<String, String>> versions = new TreeMap<>();
        resources.forEach((t, m) -> {
            Map<String, String> v = new TreeMap<>();
            m.forEach((name, a) -> v.put(name, a.version()));
            versions.put(t.shortName(), v);
        });
        String nack = nackByType.isEmpty() ? null : String.join("; ", nackByType.values());
        XdsStatus previous = status;
        Instant nackAt = nack == null ? null
                : nack.equals(previous.lastNack()) ? previous.lastNackAt() : clock.instant();
        status = new XdsStatus(state, received.size() == XdsType.values().length, versions, nack, nackAt);
        metrics.state(state);
    }

    private int knownResources() {
        int n = 0;
        for (Map<String, Accepted> m : resources.values()) {
            n += m.size();
        }
        return n;
    }

    private void run(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("event=xds_executor_stopped");
        }
    }

    /** Stops the stream and reconnects; the last published state stays in the store. */
    @Override
    public void close() {
        run(() -> {
            closed = true;
            ClientCallStreamObserver<DeltaDiscoveryRequest> s = stream;
            stream = null;
            streamId++;
            if (s != null) {
                s.cancel("node-proxy shutting down", null);
            }
            setState(XdsStatus.State.CLOSED);
        });
    }

    private static String describe(Throwable t) {
        io.grpc.Status s = io.grpc.Status.fromThrowable(t);
        return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    }
}
