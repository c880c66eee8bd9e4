package io.trellis.waypoint.xds;

/** The four Envoy v3 resource types the waypoint subscribes to, in the order Envoy asks for them. */
enum EnvoyType {
    CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", true),
    ENDPOINT("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", false),
    LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", true),
    ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", false);

    final String typeUrl;
    /** Wildcard subscriptions (LDS, CDS) get everything for this node; the others name what they want. */
    final boolean wildcard;

    EnvoyType(String typeUrl, boolean wildcard) {
        this.typeUrl = typeUrl;
        this.wildcard = wildcard;
    }

    static EnvoyType of(String typeUrl) {
        for (EnvoyType t : values()) {
            if (t.typeUrl.equals(typeUrl)) {
                return t;
            }
        }
        throw new IllegalArgumentException("not a type the waypoint subscribes to: " + typeUrl);
    }
}
