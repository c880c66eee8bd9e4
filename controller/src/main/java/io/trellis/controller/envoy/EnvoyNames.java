package io.trellis.controller.envoy;

/** Names of the Envoy resources the controller publishes for each service port. */
public final class EnvoyNames {

    private EnvoyNames() {}

    /**
     * Listener and RouteConfiguration name: {@code <hostname>:<port>}, which is what a proxyless gRPC client
     * asks for when its target is {@code xds:///<hostname>:<port>}.
     */
    public static String listener(String hostname, int port) {
        return hostname + ":" + port;
    }

    /** Cluster and ClusterLoadAssignment name: {@code outbound|<port>||<hostname>} (Istio's spelling). */
    public static String cluster(String hostname, int port) {
        return "outbound|" + port + "||" + hostname;
    }
}
