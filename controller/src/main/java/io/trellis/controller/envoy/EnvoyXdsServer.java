package io.trellis.controller.envoy;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.BindableService;
import io.trellis.controller.model.MeshModel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standard Envoy v3 xDS for waypoints and proxyless gRPC clients: ADS (state-of-the-world and delta) and the
 * separate LDS/RDS/CDS/EDS services, served by java-control-plane from one snapshot that every client shares
 * (today nothing is scoped per client).
 */
public final class EnvoyXdsServer {

    private static final Logger LOG = LoggerFactory.getLogger(EnvoyXdsServer.class);
    static final String GROUP = "mesh";

    private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
    private final V3DiscoveryServer server;
    private final AtomicLong generation = new AtomicLong();
    private volatile EnvoyResources current = new EnvoyResources(List.of(), List.of(), List.of(), List.of());

    /**
     * @param tracker told of every request and response, for ACK/NACK status and metrics
     */
    public EnvoyXdsServer(EnvoyStreamTracker tracker) {
        this.server = new V3DiscoveryServer(tracker, cache);
        cache.setSnapshot(GROUP, Snapshot.createEmpty("0"));
    }

    /** The gRPC services to register: ADS plus LDS, RDS, CDS, EDS. */
    public List<BindableService> services() {
        return List.of(server.getAggregatedDiscoveryServiceImpl(), server.getListenerDiscoveryServiceImpl(),
                server.getRouteDiscoveryServiceImpl(), server.getClusterDiscoveryServiceImpl(),
                server.getEndpointDiscoveryServiceImpl());
    }

    /** Translates the model; publishes a new snapshot only when a resource changed. */
    public void publish(MeshModel model) {
        EnvoyResources next = EnvoyResources.of(model);
        if (next.equals(current) && generation.get() > 0) {
            return;
        }
        current = next;
        String version = Long.toString(generation.incrementAndGet());
        cache.setSnapshot(GROUP, Snapshot.create(next.clusters(), next.endpoints(), next.listeners(), next.routes(),
                List.of(), version));
        LOG.info("event=envoy_snapshot version={} listeners={} routes={} clusters={}", version,
                next.listeners().size(), next.routes().size(), next.clusters().size());
    }

    public EnvoyResources current() {
        return current;
    }
}
