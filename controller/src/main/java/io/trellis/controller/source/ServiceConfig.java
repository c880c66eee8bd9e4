package io.trellis.controller.source;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A {@code v1 Service}.
 *
 * @param selector   {@code spec.selector}; empty selects no pods (as in Kubernetes)
 * @param clusterIps {@code spec.clusterIPs} / {@code spec.clusterIP}; empty for headless services
 */
public record ServiceConfig(ObjectMeta meta, Map<String, String> selector, List<InetAddress> clusterIps,
                            List<Port> ports) implements ConfigObject {

    public ServiceConfig {
        selector = Map.copyOf(selector);
        clusterIps = List.copyOf(clusterIps);
        ports = List.copyOf(ports);
    }

    @Override
    public String kind() {
        return "Service";
    }

    /**
     * @param targetPort  numeric target port; 0 when {@code targetPortName} is used or it defaults to {@code port}
     * @param appProtocol {@code ""} when unset
     */
    public record Port(String name, int port, int targetPort, String targetPortName, String appProtocol) {}
}
