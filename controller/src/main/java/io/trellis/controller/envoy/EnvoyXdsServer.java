package io.trellis.controller.envoy;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.BindableService;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.Waypoint;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standard Envoy v3 xDS for waypoints and proxyless gRPC clients: ADS (state-of-the-world and delta) and the
 * separate LDS/RDS/CDS/EDS services, served by java-control-plane. A client whose node id is
 * {@code waypoint~<namespace>~<gateway>} ({@link WaypointNodes}) gets a snapshot of only the services bound to that
 * waypoint ({@link WaypointResources}); every other client shares the mesh-wide snapshot.
 */
public final class EnvoyXdsServer {

    private static final Logger LOG = LoggerFactory.getLogger(EnvoyXdsServer.class);
    static final String GROUP = "mesh";

    private final SimpleCache<String> cache = new SimpleCache<>(WaypointNodes::group);
    private final V3DiscoveryServer server;
    private final AtomicLong generation = new AtomicLong();
    private volatile EnvoyResources current = new EnvoyResources(List.of(), List.of(), List.of(), List.of());
    private final Map<String, EnvoyResources> waypoints = new ConcurrentHashMap<>();

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
    public synchronized void publish(MeshModel model) {
        EnvoyResources next = EnvoyResources.of(model);
        Map<String, EnvoyResources> nextWaypoints = new HashMap<>();
        for (Waypoint w : model.waypoints().values()) {
            nextWaypoints.put(w.key(), WaypointResources.of(model, next, w));
        }
        if (next.equals(current) && nextWaypoints.equals(waypoints) && generation.get() > 0) {
            return;
        }
        String version = Long.toString(generation.incrementAndGet());
        if (!next.equals(current) || generation.get() == 1) {
            current = next;
            setSnapshot(GROUP, next, version);
        }
        for (Map.Entry<String, EnvoyResources> e : nextWaypoints.entrySet()) {
            if (!e.getValue().equals(waypoints.get(e.getKey()))) {
                setSnapshot(WaypointNodes.group(e.getKey()), e.getValue(), version);
            }
        }
        for (String gone : List.copyOf(waypoints.keySet())) {
            if (!nextWaypoints.containsKey(gone)) {
                // A deleted Gateway: its waypoint keeps its last config (as when the controller is down).
                cache.clearSnapshot(WaypointNodes.group(gone));
            }
        }
        waypoints.clear();
        waypoints.putAll(nextWaypoints);
    }

    private void setSnapshot(String group, EnvoyResources r, String version) {
        cache.setSnapshot(group, Snapshot.create(r.clusters(), r.endpoints(), r.listeners(), r.routes(), List.of(),
                version));
        LOG.info("event=envoy_snapshot group={} version={} listeners={} routes={} clusters={}", group, version,
                r.listeners().size(), r.routes().size(), r.clusters().size());
    }

    /** The resources of waypoint {@code namespace/gateway}, or null when there is no such waypoint. */
    public @Nullable EnvoyResources waypoint(String key) {
        return waypoints.get(key);
    }

    public EnvoyResources current() {
        return current;
    }
}
