package io.trellis.waypoint.proxy;

import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.authz.AuthorizationEvaluator;
import io.trellis.waypoint.cluster.ClusterState;
import io.trellis.waypoint.config.ClusterSettings;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.plan.RequestPlanner;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The runtime view of one {@link WaypointConfig}: bindings by VIP, a planner per route table and
 * each cluster's shared state. Event loops read it through one volatile field; a new config
 * builds a new snapshot, keeping the state (breakers, outlier history, budget) of clusters whose
 * settings did not change.
 */
final class ConfigSnapshot {

    /** One bound service port with its planner. */
    record Bound(ServiceBinding service, RequestPlanner planner) {}

    final WaypointConfig config;
    private final Map<InetSocketAddress, Bound> byVip;
    private final Map<String, ClusterState> clusters;

    private ConfigSnapshot(WaypointConfig config, Map<InetSocketAddress, Bound> byVip, Map<String, ClusterState> clusters) {
        this.config = config;
        this.byVip = byVip;
        this.clusters = clusters;
    }

    static ConfigSnapshot build(WaypointConfig config, @Nullable ConfigSnapshot previous, LongSupplier nanoTime,
            RandomGenerator sharedRandom) {
        AuthorizationEvaluator authz = new AuthorizationEvaluator(config.policies());
        Map<String, RequestPlanner> planners = new HashMap<>();
        config.routeTables().forEach((name, table) -> planners.put(name, new RequestPlanner(table, authz)));
        Map<InetSocketAddress, Bound> byVip = new HashMap<>();
        for (ServiceBinding s : config.services()) {
            Bound old = byVip.put(s.vip(), new Bound(s, planners.get(s.routeConfig())));
            if (old != null) {
                throw new IllegalArgumentException("services " + old.service().hostname() + " and " + s.hostname()
                        + " are both bound to " + s.vip());
            }
        }
        Map<String, ClusterState> clusters = new HashMap<>();
        for (Map.Entry<String, ClusterSettings> e : config.clusters().entrySet()) {
            ClusterState state = previous == null ? null : previous.clusters.get(e.getKey());
            if (state == null || !state.settings().equals(e.getValue())) {
                state = new ClusterState(e.getValue(), nanoTime, sharedRandom);
            }
            List<Endpoint> eds = config.endpoints().get(e.getKey());
            List<Endpoint> endpoints = eds != null ? eds : e.getValue().staticEndpoints();
            if (!endpoints.equals(state.endpoints())) {
                state.updateEndpoints(endpoints);
            }
            clusters.put(e.getKey(), state);
        }
        return new ConfigSnapshot(config, Map.copyOf(byVip), Map.copyOf(clusters));
    }

    @Nullable Bound bound(InetSocketAddress vip) {
        return byVip.get(vip);
    }

    @Nullable ClusterState cluster(String name) {
        return clusters.get(name);
    }

    Map<String, ClusterState> clusters() {
        return clusters;
    }

    @Nullable SpiffeId identity(String cluster) {
        return config.identities().get(cluster);
    }

    /**
     * Whom {@code endpoint} of {@code cluster} must prove to be on HBONE: its own identity from the
     * endpoint metadata, else the cluster's; null when neither is configured.
     */
    @Nullable SpiffeId identity(String cluster, Endpoint endpoint) {
        SpiffeId own = endpoint.metadata().identity();
        return own != null ? own : identity(cluster);
    }
}
