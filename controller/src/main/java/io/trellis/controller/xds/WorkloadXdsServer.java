package io.trellis.controller.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.WorkloadDiscoveryGrpc;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves workload xDS ({@code trellis.workload.v1.WorkloadDiscovery/DeltaWorkloads}) to node-proxies.
 * {@link #publish} hands every stream the new snapshot; each stream sends only what it lacks.
 */
public final class WorkloadXdsServer extends WorkloadDiscoveryGrpc.WorkloadDiscoveryImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(WorkloadXdsServer.class);

    private final Set<ProxyStream> streams = ConcurrentHashMap.newKeySet();
    private final XdsMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private volatile ResourceSnapshot current = ResourceSnapshot.empty();

    /**
     * @param nanoTime the monotonic clock snapshots' change times are taken from (the push pipeline's)
     */
    public WorkloadXdsServer(MeterRegistry registry, Clock clock, LongSupplier nanoTime) {
        this.metrics = new XdsMetrics(registry);
        this.clock = clock;
        this.nanoTime = nanoTime;
    }

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaWorkloads(StreamObserver<DeltaDiscoveryResponse> responses) {
        ProxyStream stream = new ProxyStream(this, responses, PeerAddress.current(), now());
        if (responses instanceof ServerCallStreamObserver<DeltaDiscoveryResponse> call) {
            call.setOnReadyHandler(stream::onReady);
        }
        streams.add(stream);
        metrics.connected();
        LOG.info("event=xds_connected peer={}", PeerAddress.current());
        return stream;
    }

    /** Makes {@code snapshot} current and pushes its changes to every stream. */
    public void publish(ResourceSnapshot snapshot) {
        current = snapshot;
        for (ProxyStream s : streams) {
            s.onSnapshot(snapshot);
        }
    }

    public ResourceSnapshot current() {
        return current;
    }

    /** Status of every connected proxy, sorted by proxy id. */
    public List<ProxyStatus> statuses() {
        List<ProxyStatus> out = new ArrayList<>();
        for (ProxyStream s : streams) {
            out.add(s.status());
        }
        out.sort(Comparator.comparing(ProxyStatus::getProxyId).thenComparing(ProxyStatus::getPeer));
        return out;
    }

    /** The version proxy {@code proxyId} acknowledged for a resource, or null if it has none. */
    public @Nullable String ackedVersion(String proxyId, String typeUrl, String name) {
        for (ProxyStream s : streams) {
            if (s.proxyId().equals(proxyId)) {
                return s.ackedVersion(typeUrl, name);
            }
        }
        return null;
    }

    public int connectedProxies() {
        return streams.size();
    }

    void remove(ProxyStream stream) {
        if (streams.remove(stream)) {
            metrics.disconnected();
        }
    }

    XdsMetrics metrics() {
        return metrics;
    }

    Instant now() {
        return clock.instant();
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }
}
