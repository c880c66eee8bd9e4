package io.trellis.node.state;

import io.trellis.identity.SpiffeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Builders of state records for tests. */
public final class TestMesh {

    private TestMesh() {}

    public static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public static InetSocketAddress addr(String literal, int port) {
        return new InetSocketAddress(ip(literal), port);
    }

    public static SpiffeId id(String ns, String sa) {
        return SpiffeId.of("cluster.local", ns, sa);
    }

    public static WaypointAddress waypoint(String ip, String ns, String sa) {
        return new WaypointAddress(addr(ip, 15008), id(ns, sa));
    }

    public static WorkloadInfo workload(String ns, String name, String sa, String ip) {
        return workload(ns, name, sa, ip, true, null, Map.of(), List.of());
    }

    public static WorkloadInfo workload(String ns, String name, String sa, String ip, boolean hbone,
                                        @Nullable WaypointAddress waypoint, Map<String, List<PortMapping>> services,
                                        List<String> policies) {
        return new WorkloadInfo(ns + "/" + name, name, ns, sa, "node-a", List.of(ip(ip)), id(ns, sa), hbone,
                waypoint, name, "latest", true, services, policies);
    }

    public static ServiceInfo service(String ns, String name, String vip, int port, int targetPort,
                                      @Nullable WaypointAddress waypoint) {
        return new ServiceInfo(name, ns, name + "." + ns + ".svc.cluster.local", List.of(ip(vip)),
                List.of(new ServicePort(port, targetPort, "", "")), waypoint);
    }

    public static String key(String ns, String name) {
        return ns + "/" + name + "." + ns + ".svc.cluster.local";
    }
}
