package io.trellis.controller.envoy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.ListValue;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.ServiceModel;
import io.trellis.controller.model.Waypoint;
import io.trellis.controller.model.WorkloadModel;
import io.trellis.controller.source.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one waypoint needs, cut from the mesh-wide resources: for every service port bound to it (by
 * {@code trellis.io/use-waypoint} on the Service or its namespace) the listener, its route configuration, and the
 * clusters and load assignments those routes reach. Differences from the mesh-wide snapshot:
 * <ul>
 *   <li>each listener carries {@code address} = the service VIP and port (what HBONE clients put in
 *       {@code :authority}) and {@code metadata.filter_metadata["trellis"]} with {@code hostname},
 *       {@code namespace}, {@code app_protocol} and {@code authorization_policies}
 *       ({@link WaypointAuthorization});</li>
 *   <li>each endpoint carries {@code metadata.filter_metadata["trellis"]} (as Istio's endpoints carry
 *       {@code istio} metadata) with {@code identity}: the SPIFFE id the pod's HBONE server presents, which the
 *       waypoint checks on its upstream connection to that endpoint; and {@code workload} (pod name, as the
 *       node-proxies label it), {@code namespace}, {@code app} and {@code version} (canonical service and
 *       revision), which label the waypoint's {@code destination_*} metrics and access log. The address stays
 *       the pod IP and target port (the CONNECT authority); the tunnel is dialled on the node-proxies' HBONE
 *       port.</li>
 * </ul>
 * Services without a VIP (headless) cannot be addressed through a waypoint and are left out.
 */
public final class WaypointResources {

    /** The {@code filter_metadata} key of everything Trellis-specific. */
    public static final String METADATA_KEY = "trellis";

    private WaypointResources() {}

    public static EnvoyResources of(MeshModel model, EnvoyResources mesh, Waypoint waypoint) {
        Map<String, RouteConfiguration> routesByName = new HashMap<>();
        mesh.routes().forEach(r -> routesByName.put(r.getName(), r));
        Map<String, Cluster> clustersByName = new HashMap<>();
        mesh.clusters().forEach(c -> clustersByName.put(c.getName(), c));
        Map<String, ClusterLoadAssignment> endpointsByName = new HashMap<>();
        mesh.endpoints().forEach(e -> endpointsByName.put(e.getClusterName(), e));

        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routes = new ArrayList<>();
        Set<String> clusterNames = new LinkedHashSet<>();
        List<ServiceModel> bound = model.services().values().stream()
                .filter(s -> s.waypoint() != null && s.waypoint().key().equals(waypoint.key()) && !s.vips().isEmpty())
                .sorted((a, b) -> a.key().compareTo(b.key())).toList();
        for (ServiceModel s : bound) {
            List<Value> policies = WaypointAuthorization.policiesFor(s.namespace(), model);
            for (ServiceConfig.Port p : s.ports()) {
                String name = EnvoyNames.listener(s.hostname(), p.port());
                RouteConfiguration rc = routesByName.get(name);
                if (rc == null) {
                    continue;
                }
                listeners.add(ListenerTranslator.apiListener(s.hostname(), p.port()).toBuilder()
                        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                                .setAddress(s.vips().getFirst().getHostAddress()).setPortValue(p.port())))
                        .setMetadata(metadata(Struct.newBuilder()
                                .putFields("hostname", WaypointAuthorization.string(s.hostname()))
                                .putFields("namespace", WaypointAuthorization.string(s.namespace()))
                                .putFields("app_protocol", WaypointAuthorization.string(
                                        p.appProtocol().isEmpty() ? "http" : p.appProtocol()))
                                .putFields("authorization_policies", Value.newBuilder()
                                        .setListValue(ListValue.newBuilder().addAllValues(policies)).build())
                                .build()))
                        .build());
                routes.add(rc);
                clusterNames.add(EnvoyNames.cluster(s.hostname(), p.port()));
                clusterNames.addAll(clustersOf(rc));
            }
        }
        Map<String, Struct> metadataByAddress = endpointMetadata(model);
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        for (String c : clusterNames) {
            Cluster cluster = clustersByName.get(c);
            ClusterLoadAssignment cla = endpointsByName.get(c);
            if (cluster != null && cla != null) {
                clusters.add(cluster);
                endpoints.add(withEndpointMetadata(cla, metadataByAddress));
            }
        }
        return new EnvoyResources(listeners, routes, clusters, endpoints);
    }

    /** Every cluster a route configuration can send a request (or a mirror) to. */
    static Set<String> clustersOf(RouteConfiguration rc) {
        Set<String> out = new LinkedHashSet<>();
        for (VirtualHost vh : rc.getVirtualHostsList()) {
            for (Route r : vh.getRoutesList()) {
                if (!r.hasRoute()) {
                    continue;
                }
                RouteAction a = r.getRoute();
                if (!a.getCluster().isEmpty()) {
                    out.add(a.getCluster());
                }
                for (WeightedCluster.ClusterWeight w : a.getWeightedClusters().getClustersList()) {
                    out.add(w.getName());
                }
                a.getRequestMirrorPoliciesList().forEach(m -> out.add(m.getCluster()));
            }
        }
        return out;
    }

    /** Each workload address's {@code trellis} endpoint metadata. */
    private static Map<String, Struct> endpointMetadata(MeshModel model) {
        Map<String, Struct> out = new HashMap<>();
        for (WorkloadModel w : model.workloads().values()) {
            Struct.Builder meta = Struct.newBuilder()
                    .putFields("identity", WaypointAuthorization.string(
                            model.settings().spiffeUri(w.namespace(), w.serviceAccount())))
                    .putFields("workload", WaypointAuthorization.string(w.name()))
                    .putFields("namespace", WaypointAuthorization.string(w.namespace()));
            // Empty canonical names are left out rather than sent blank: the waypoint reports them as unknown.
            if (!w.canonicalName().isEmpty()) {
                meta.putFields("app", WaypointAuthorization.string(w.canonicalName()));
            }
            if (!w.canonicalRevision().isEmpty()) {
                meta.putFields("version", WaypointAuthorization.string(w.canonicalRevision()));
            }
            Struct built = meta.build();
            w.addresses().forEach(a -> out.put(a.getHostAddress(), built));
        }
        return out;
    }

    private static ClusterLoadAssignment withEndpointMetadata(ClusterLoadAssignment cla, Map<String, Struct> metadata) {
        ClusterLoadAssignment.Builder b = cla.toBuilder().clearEndpoints();
        for (LocalityLbEndpoints l : cla.getEndpointsList()) {
            LocalityLbEndpoints.Builder lb = l.toBuilder().clearLbEndpoints();
            for (LbEndpoint e : l.getLbEndpointsList()) {
                Struct meta = metadata.get(e.getEndpoint().getAddress().getSocketAddress().getAddress());
                lb.addLbEndpoints(meta == null ? e : e.toBuilder().setMetadata(metadata(meta)).build());
            }
            b.addEndpoints(lb);
        }
        return b.build();
    }

    private static Metadata metadata(Struct trellis) {
        return Metadata.newBuilder().putFilterMetadata(METADATA_KEY, trellis).build();
    }
}
