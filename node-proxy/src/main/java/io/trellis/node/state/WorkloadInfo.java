package io.trellis.node.state;

import io.trellis.identity.SpiffeId;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A workload (pod) as validated from its xDS resource. Immutable.
 *
 * @param uid                    unique id, also the xDS resource name
 * @param identity               its SPIFFE id (trust domain, namespace, service account)
 * @param node                   the node it runs on
 * @param addresses              its IPs, possibly none (a pod without an IP yet)
 * @param hbone                  whether it is in the mesh (reached by HBONE on port 15008) or plain TCP
 * @param waypoint               the waypoint its own traffic goes through, or null
 * @param healthy                whether it may receive new service traffic
 * @param services               services it is an endpoint of, keyed {@code <namespace>/<hostname>}, with the
 *                               port mappings of each
 * @param authorizationPolicies  keys {@code <namespace>/<name>} of the selector-scoped policies that select it
 */
public record WorkloadInfo(String uid, String name, String namespace, String serviceAccount, String node,
                           List<InetAddress> addresses, SpiffeId identity, boolean hbone,
                           @Nullable WaypointAddress waypoint, String canonicalName, String canonicalRevision,
                           boolean healthy, Map<String, List<PortMapping>> services,
                           List<String> authorizationPolicies) {

    public WorkloadInfo {
        addresses = List.copyOf(addresses);
        services = Map.copyOf(services);
        authorizationPolicies = List.copyOf(authorizationPolicies);
    }

    /** The address of the same family as {@code like}, else the first; null when it has none. */
    public @Nullable InetAddress addressLike(InetAddress like) {
        for (InetAddress a : addresses) {
            if (a.getClass() == like.getClass()) {
                return a;
            }
        }
        return addresses.isEmpty() ? null : addresses.getFirst();
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
