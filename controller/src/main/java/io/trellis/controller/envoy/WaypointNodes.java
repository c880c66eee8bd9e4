package io.trellis.controller.envoy;

import io.envoyproxy.envoy.config.core.v3.Node;
import org.jspecify.annotations.Nullable;

/**
 * The node id convention that scopes Envoy xDS to one waypoint: {@code waypoint~<namespace>~<gateway>}.
 * A stream whose node id follows it gets only the services bound to that Gateway; any other node id (proxyless
 * gRPC clients, tools) gets the mesh-wide snapshot.
 */
public final class WaypointNodes {

    static final String PREFIX = "waypoint~";

    private WaypointNodes() {}

    /** The node id a waypoint for Gateway {@code namespace/gateway} must send. */
    public static String nodeId(String namespace, String gateway) {
        return PREFIX + namespace + "~" + gateway;
    }

    /** The snapshot group of a node: its waypoint key {@code namespace/gateway}, or null for a mesh-wide client. */
    static @Nullable String waypointKey(String nodeId) {
        if (!nodeId.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = nodeId.substring(PREFIX.length()).split("~", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return null;
        }
        return parts[0] + "/" + parts[1];
    }

    /** Cache group: {@code waypoint/<ns>/<gateway>} for waypoints, {@link EnvoyXdsServer#GROUP} otherwise. */
    static String group(Node node) {
        String key = waypointKey(node.getId());
        return key == null ? EnvoyXdsServer.GROUP : group(key);
    }

    static String group(String waypointKey) {
        return "waypoint/" + waypointKey;
    }
}
