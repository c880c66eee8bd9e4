package io.trellis.controller.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A pod as the mesh sees it.
 *
 * @param uid                   {@code <namespace>/<name>}: stable across the pod's updates, the xDS resource name
 * @param enrolled              in the mesh (HBONE) or not (plain TCP)
 * @param waypoint              set when the pod's own traffic goes through a waypoint
 * @param services              service key ({@code <namespace>/<hostname>}) to port mappings, for each Service
 *                              that selects this pod
 * @param authorizationPolicies keys of selector-scoped policies that select this pod
 */
public record WorkloadModel(String uid, String name, String namespace, String serviceAccount, String node,
                            List<InetAddress> addresses, Map<String, String> labels, boolean enrolled,
                            @Nullable Waypoint waypoint, String canonicalName, String canonicalRevision,
                            boolean healthy, Map<String, List<PortMapping>> services,
                            List<String> authorizationPolicies) {

    public WorkloadModel {
        addresses = List.copyOf(addresses);
        labels = Map.copyOf(labels);
        services = Map.copyOf(services);
        authorizationPolicies = List.copyOf(authorizationPolicies);
    }

    public record PortMapping(int servicePort, int targetPort) {}
}
