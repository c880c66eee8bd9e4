package io.trellis.controller.envoy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.ServiceModel;
import io.trellis.controller.source.ParentRef;
import io.trellis.controller.source.ResiliencePolicyConfig;
import io.trellis.controller.source.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every Envoy resource of the mesh: per service port one API listener, one route configuration, one cluster
 * and one load assignment. Pure function of the model.
 */
public record EnvoyResources(List<Listener> listeners, List<RouteConfiguration> routes, List<Cluster> clusters,
                             List<ClusterLoadAssignment> endpoints) {

    public EnvoyResources {
        listeners = List.copyOf(listeners);
        routes = List.copyOf(routes);
        clusters = List.copyOf(clusters);
        endpoints = List.copyOf(endpoints);
    }

    public static EnvoyResources of(MeshModel model) {
        Map<String, ResiliencePolicyConfig> policies = new HashMap<>();
        for (ResiliencePolicyConfig p : model.resiliencePolicies()) {
            for (ParentRef t : p.targetRefs()) {
                // first policy (by file order) wins when several target one service
                policies.putIfAbsent(t.namespace() + "/" + t.name(), p);
            }
        }
        List<Listener> listeners = new ArrayList<>();
        List<RouteConfiguration> routes = new ArrayList<>();
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        for (ServiceModel s : model.services().values()) {
            ResiliencePolicyConfig policy = policies.get(s.namespace() + "/" + s.name());
            for (ServiceConfig.Port p : s.ports()) {
                listeners.add(ListenerTranslator.apiListener(s.hostname(), p.port()));
                routes.add(RouteTranslator.routes(s, p.port(), model.httpRoutes(), model.grpcRoutes(),
                        model.services(), model.settings()));
                clusters.add(ClusterTranslator.cluster(s, p.port(), policy));
                endpoints.add(ClusterTranslator.endpoints(s, p.port(), model.workloads()));
            }
        }
        return new EnvoyResources(listeners, routes, clusters, endpoints);
    }
}
