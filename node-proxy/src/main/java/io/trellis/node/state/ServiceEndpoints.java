package io.trellis.node.state;

import java.util.List;

/**
 * The healthy endpoints of one service port, in a stable order (by workload uid).
 *
 * @param key {@code <namespace>/<hostname>:<port>}, the load balancers' key
 */
public record ServiceEndpoints(String key, ServiceInfo service, ServicePort port, List<Endpoint> endpoints) {

    public ServiceEndpoints {
        endpoints = List.copyOf(endpoints);
    }
}
