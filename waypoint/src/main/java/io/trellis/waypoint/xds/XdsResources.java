package io.trellis.waypoint.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import io.trellis.waypoint.config.ClusterSettings;
import io.trellis.waypoint.config.ClusterTranslator;
import io.trellis.waypoint.config.EndpointsTranslator;
import io.trellis.waypoint.config.ListenerTranslator;
import io.trellis.waypoint.config.RouteConfigTranslator;
import io.trellis.waypoint.config.XdsNackException;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.proxy.AppProtocol;
import io.trellis.waypoint.proxy.ServiceBinding;
import io.trellis.waypoint.proxy.WaypointConfig;
import io.trellis.waypoint.route.RouteTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The accepted (validated and translated) resources of every type: an immutable value; a response
 * produces a new one with one type replaced, which becomes current only when the response is ACKed.
 */
record XdsResources(Map<String, ListenerTranslator.BoundPort> listeners, Map<String, RouteTable> routes,
        Map<String, ClusterSettings> clusters, Set<String> edsClusters, Map<String, List<Endpoint>> endpoints,
        Map<String, SpiffeId> identities) {

    XdsResources {
        listeners = Map.copyOf(listeners);
        routes = Map.copyOf(routes);
        clusters = Map.copyOf(clusters);
        edsClusters = Set.copyOf(edsClusters);
        endpoints = Map.copyOf(endpoints);
        identities = Map.copyOf(identities);
    }

    static XdsResources empty() {
        return new XdsResources(Map.of(), Map.of(), Map.of(), Set.of(), Map.of(), Map.of());
    }

    /**
     * This set with the resources of {@code type} replaced by {@code resources} (state of the world).
     *
     * @throws XdsNackException when a resource is invalid or unsupported (all such errors, joined)
     */
    XdsResources with(EnvoyType type, List<Any> resources) throws XdsNackException, InvalidProtocolBufferException {
        return switch (type) {
            case LISTENER -> {
                Map<String, ListenerTranslator.BoundPort> out = new LinkedHashMap<>();
                for (Any a : resources) {
                    Listener l = a.unpack(Listener.class);
                    out.put(l.getName(), ListenerTranslator.translate(l));
                }
                yield new XdsResources(out, routes, clusters, edsClusters, endpoints, identities);
            }
            case ROUTE -> {
                Map<String, RouteTable> out = new LinkedHashMap<>();
                for (Any a : resources) {
                    RouteConfiguration rc = a.unpack(RouteConfiguration.class);
                    out.put(rc.getName(), RouteConfigTranslator.translate(rc));
                }
                yield new XdsResources(listeners, out, clusters, edsClusters, endpoints, identities);
            }
            case CLUSTER -> {
                Map<String, ClusterSettings> out = new LinkedHashMap<>();
                Set<String> eds = new TreeSet<>();
                for (Any a : resources) {
                    Cluster c = a.unpack(Cluster.class);
                    out.put(c.getName(), ClusterTranslator.translate(c));
                    if (c.getType() == Cluster.DiscoveryType.EDS) {
                        eds.add(edsName(c));
                    }
                }
                yield new XdsResources(listeners, routes, out, eds, endpoints, identities);
            }
            case ENDPOINT -> {
                Map<String, List<Endpoint>> out = new LinkedHashMap<>();
                Map<String, SpiffeId> ids = new LinkedHashMap<>();
                for (Any a : resources) {
                    ClusterLoadAssignment cla = a.unpack(ClusterLoadAssignment.class);
                    out.put(cla.getClusterName(), EndpointsTranslator.translate(cla));
                    SpiffeId id = EndpointsTranslator.identity(cla);
                    if (id != null) {
                        ids.put(cla.getClusterName(), id);
                    }
                }
                yield new XdsResources(listeners, routes, clusters, edsClusters, out, ids);
            }
        };
    }

    private static String edsName(Cluster c) {
        String s = c.getEdsClusterConfig().getServiceName();
        return s.isEmpty() ? c.getName() : s;
    }

    /** The names to ask for with a non-wildcard type: RDS names of the listeners, EDS names of the clusters. */
    Set<String> subscriptions(EnvoyType type) {
        return switch (type) {
            case ROUTE -> new TreeSet<>(listeners.values().stream().map(ListenerTranslator.BoundPort::routeConfig).toList());
            case ENDPOINT -> new TreeSet<>(edsClusters);
            default -> Set.of();
        };
    }

    /**
     * The data path's configuration, or null while it is incomplete (a listener's routes or a
     * cluster's endpoints have not arrived yet): a half-known config is never published.
     */
    @Nullable WaypointConfig config() {
        List<ServiceBinding> services = new ArrayList<>();
        Map<String, AuthorizationPolicy> policies = new LinkedHashMap<>();
        for (ListenerTranslator.BoundPort p : listeners.values()) {
            if (!routes.containsKey(p.routeConfig())) {
                return null;
            }
            services.add(new ServiceBinding(p.hostname(), p.namespace(), p.vip(), AppProtocol.parse(p.appProtocol()),
                    p.routeConfig()));
            // The data path evaluates one policy list for every bound service; policies come per service, so
            // a waypoint serving several namespaces applies each namespace's L7 policies to all of them.
            p.policies().forEach(pol -> policies.putIfAbsent(pol.qualifiedName(), pol));
        }
        for (String eds : edsClusters) {
            if (!endpoints.containsKey(eds)) {
                return null;
            }
        }
        return new WaypointConfig(services, routes, clusters, endpoints, identities, List.copyOf(policies.values()));
    }
}
