package io.trellis.e2e.bench;

import io.trellis.e2e.MeshLab;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.LabSpec.NodeSpec;
import io.trellis.install.lab.LabSpec.PodSpec;
import io.trellis.install.lab.LabSpec.ServicePort;
import io.trellis.install.lab.LabSpec.ServiceSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lab of {@code ./trellis bench lab}: two nodes, clients on node1, servers, the waypoint and HAProxy on node2.
 * <ul>
 *   <li>{@code a1} (enrolled) loads {@code b1} (enrolled) by pod IP: the node-proxy pair;</li>
 *   <li>{@code a1} loads Service {@code wpb} (VIP, selects {@code b3}, bound to waypoint {@code bench-waypoint} in
 *       pod {@code wp}): node-proxy node1, HBONE to the waypoint, HBONE to node-proxy node2, {@code b3};</li>
 *   <li>{@code a2} (outside the mesh) loads {@code b2} (outside the mesh) by pod IP: the direct baseline;</li>
 *   <li>{@code a2} loads HAProxy in HTTP mode in pod {@code hp}, which forwards to {@code b2}: the L7 peer;</li>
 *   <li>{@code a2} loads an HAProxy in node1's namespace (as the node-proxy runs there), which tunnels over mTLS to an
 *       HAProxy in node2's namespace, which forwards to {@code b2}: the L4 peer ({@link LabHaproxyPair}).</li>
 * </ul>
 * Pods outside the mesh carry {@code trellis.io/dataplane-mode: none}, so the controller does not expect HBONE from
 * them and no capture rule redirects their inbound traffic through a node-proxy.
 */
final class BenchTopology {

    static final int APP_PORT = 18090;
    static final int HAPROXY_PORT = 18091;
    /** The throughput sink ({@link LabSinkMain}) in b1 and b2. */
    static final int SINK_PORT = 18092;
    /**
     * The HAProxy mTLS pair: A in node1's namespace takes plain TCP on these ports at node1's address toward its pods
     * (to b2's target, to b2's sink) and tunnels to B in node2's namespace, on {@link #HAPROXY_PAIR_TUNNEL_PORTS}.
     */
    static final List<Integer> HAPROXY_PAIR_ENTRY_PORTS = List.of(18093, 18095);
    static final List<Integer> HAPROXY_PAIR_TUNNEL_PORTS = List.of(18094, 18096);
    static final String WAYPOINT_SERVICE = "wpb";
    static final MeshLab.Waypoint WAYPOINT = new MeshLab.Waypoint("bench-waypoint", "default", "wp");
    static final String HAPROXY_POD = "hp";
    static final Set<String> OUTSIDE_MESH = Set.of("a2", "b2", WAYPOINT.pod(), HAPROXY_POD);

    private BenchTopology() {
    }

    static MeshLab.Options options(String prefix) {
        Map<String, String> none = Map.of("trellis.io/dataplane-mode", "none");
        LabSpec spec = new LabSpec(prefix, List.of(new NodeSpec("node1"), new NodeSpec("node2")),
                List.of(new PodSpec("a1", "default", "a", Map.of("app", "a"), "node1"),
                        new PodSpec("a2", "default", "a", merged(Map.of("app", "a-out"), none), "node1"),
                        new PodSpec("b1", "default", "b", Map.of("app", "b"), "node2"),
                        new PodSpec("b2", "default", "b", merged(Map.of("app", "b-out"), none), "node2"),
                        new PodSpec("b3", "default", "b", Map.of("app", WAYPOINT_SERVICE), "node2"),
                        // the controller takes the waypoint's identity from the pods labelled with its Gateway's name
                        new PodSpec(WAYPOINT.pod(), "default", WAYPOINT.gateway(), merged(
                                Map.of("gateway.networking.k8s.io/gateway-name", WAYPOINT.gateway()), none), "node2"),
                        new PodSpec(HAPROXY_POD, "default", "haproxy", merged(Map.of("app", "haproxy"), none),
                                "node2")),
                List.of(new ServiceSpec(WAYPOINT_SERVICE, "default", Map.of("app", WAYPOINT_SERVICE),
                        List.of(new ServicePort("http", 80, APP_PORT)),
                        Map.of("trellis.io/use-waypoint", WAYPOINT.gateway()))));
        return new MeshLab.Options(spec, "node1", OUTSIDE_MESH, Map.of(), List.of(WAYPOINT));
    }

    private static Map<String, String> merged(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new HashMap<>(a);
        m.putAll(b);
        return Map.copyOf(m);
    }
}
