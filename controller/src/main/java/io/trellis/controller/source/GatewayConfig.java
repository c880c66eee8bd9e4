package io.trellis.controller.source;

import java.net.InetAddress;
import java.util.List;

/**
 * A {@code gateway.networking.k8s.io/v1 Gateway}. Gateways of class {@code trellis-waypoint} are waypoints.
 *
 * @param addresses IP addresses from {@code status.addresses} (Kubernetes fills them in) or
 *                  {@code spec.addresses} (hand-written local config)
 */
public record GatewayConfig(ObjectMeta meta, String gatewayClassName, List<Listener> listeners,
                            List<InetAddress> addresses) implements ConfigObject {

    public GatewayConfig {
        listeners = List.copyOf(listeners);
        addresses = List.copyOf(addresses);
    }

    @Override
    public String kind() {
        return "Gateway";
    }

    public record Listener(String name, int port, String protocol) {}
}
