package io.trellis.waypoint.proxy;

import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import io.trellis.waypoint.config.ClusterSettings;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.route.RouteTable;
import java.util.List;
import java.util.Map;

/**
 * Everything the data path needs, as validated immutable records: which service ports are bound
 * here, their route tables, the clusters with their endpoints, and L7 authorization.
 * Built from Envoy protos by {@link EnvoyConfigFile} (and later by the xDS client) and applied as
 * one snapshot by {@link WaypointProxy#apply}.
 *
 * @param services service ports bound to this waypoint
 * @param routeTables route tables by RouteConfiguration name
 * @param clusters cluster settings by name
 * @param endpoints endpoints by cluster name (EDS); a static cluster's own endpoints are used when absent
 * @param identities the SPIFFE identity each cluster's endpoints present (the HBONE server SAN checked upstream)
 * @param policies L7 authorization policies applied to every bound service
 */
public record WaypointConfig(List<ServiceBinding> services, Map<String, RouteTable> routeTables,
        Map<String, ClusterSettings> clusters, Map<String, List<Endpoint>> endpoints, Map<String, SpiffeId> identities,
        List<AuthorizationPolicy> policies) {

    public WaypointConfig {
        services = List.copyOf(services);
        routeTables = Map.copyOf(routeTables);
        clusters = Map.copyOf(clusters);
        endpoints = Map.copyOf(endpoints);
        identities = Map.copyOf(identities);
        policies = List.copyOf(policies);
        for (ServiceBinding s : services) {
            if (!routeTables.containsKey(s.routeConfig())) {
                throw new IllegalArgumentException("service " + s.hostname() + " uses route config '" + s.routeConfig()
                        + "' which is not in the snapshot (have " + routeTables.keySet() + ")");
            }
        }
    }

    /** Nothing bound: every CONNECT is refused until a real snapshot arrives. */
    public static WaypointConfig empty() {
        return new WaypointConfig(List.of(), Map.of(), Map.of(), Map.of(), Map.of(), List.of());
    }
}
