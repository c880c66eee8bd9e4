package io.trellis.controller.model;

import java.util.Map;

/** The labels Trellis reads, and label-selector matching. */
public final class Labels {

    /** {@code ambient} enrols a namespace or pod, {@code none} opts it out; a pod's value wins. */
    public static final String DATAPLANE_MODE = "trellis.io/dataplane-mode";
    /** Names the waypoint Gateway (same namespace) that a Service's, namespace's or pod's traffic goes through. */
    public static final String USE_WAYPOINT = "trellis.io/use-waypoint";
    /** Set by Gateway API implementations on a gateway's pods; marks waypoint pods. */
    public static final String GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name";
    /** GatewayClass whose Gateways are waypoints. */
    public static final String WAYPOINT_CLASS = "trellis-waypoint";

    private Labels() {}

    /** True when every selector entry is present in {@code labels}. An empty selector matches everything. */
    public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
