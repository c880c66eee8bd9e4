package io.trellis.node.state;

import java.net.InetAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A service as validated from its xDS resource. Immutable.
 *
 * @param hostname {@code <name>.<namespace>.svc.<cluster domain>}
 * @param waypoint the waypoint the service's traffic goes through, or null
 */
public record ServiceInfo(String name, String namespace, String hostname, List<InetAddress> vips,
                          List<ServicePort> ports, @Nullable WaypointAddress waypoint) {

    public ServiceInfo {
        vips = List.copyOf(vips);
        ports = List.copyOf(ports);
    }

    /** The xDS resource name and the key workloads use: {@code <namespace>/<hostname>}. */
    public String key() {
        return namespace + "/" + hostname;
    }

    public @Nullable ServicePort port(int port) {
        for (ServicePort p : ports) {
            if (p.port() == port) {
                return p;
            }
        }
        return null;
    }
}
