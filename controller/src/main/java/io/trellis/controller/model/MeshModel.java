package io.trellis.controller.model;

import io.trellis.controller.source.GrpcRouteConfig;
import io.trellis.controller.source.HttpRouteConfig;
import io.trellis.controller.source.ResiliencePolicyConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of the mesh: what the xDS servers and the CA work from.
 *
 * @param serviceAccountsByNode for each node, the {@code namespace/serviceAccount} pairs of its pods: what the
 *                              CA lets that node's proxy obtain certificates for
 */
public record MeshModel(MeshSettings settings, Map<String, WorkloadModel> workloads,
                        Map<String, ServiceModel> services, Map<String, AuthorizationModel> authorizations,
                        Map<String, Waypoint> waypoints, Map<String, Set<String>> serviceAccountsByNode,
                        List<HttpRouteConfig> httpRoutes, List<GrpcRouteConfig> grpcRoutes,
                        List<ResiliencePolicyConfig> resiliencePolicies) {

    public MeshModel {
        workloads = Map.copyOf(workloads);
        services = Map.copyOf(services);
        authorizations = Map.copyOf(authorizations);
        waypoints = Map.copyOf(waypoints);
        serviceAccountsByNode = Map.copyOf(serviceAccountsByNode);
        httpRoutes = List.copyOf(httpRoutes);
        grpcRoutes = List.copyOf(grpcRoutes);
        resiliencePolicies = List.copyOf(resiliencePolicies);
    }

    public static MeshModel empty(MeshSettings settings) {
        return new MeshModel(settings, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), List.of(), List.of(),
                List.of());
    }

    /** Whether some pod on {@code node} runs as {@code namespace/serviceAccount}. */
    public boolean nodeRuns(String node, String namespace, String serviceAccount) {
        return serviceAccountsByNode.getOrDefault(node, Set.of()).contains(namespace + "/" + serviceAccount);
    }
}
