package io.trellis.controller.model;

import io.trellis.controller.source.ServiceConfig;
import java.net.InetAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A Kubernetes Service as the mesh sees it.
 *
 * @param hostname  {@code <name>.<namespace>.svc.<cluster domain>}
 * @param endpoints uids of the workloads the selector picks
 * @param waypoint  set when the Service (or its namespace) is bound to a waypoint
 */
public record ServiceModel(String name, String namespace, String hostname, List<InetAddress> vips,
                           List<ServiceConfig.Port> ports, @Nullable Waypoint waypoint, List<String> endpoints) {

    public ServiceModel {
        vips = List.copyOf(vips);
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    /** This service with other endpoints. */
    public ServiceModel withEndpoints(List<String> newEndpoints) {
        return new ServiceModel(name, namespace, hostname, vips, ports, waypoint, newEndpoints);
    }

    /** {@code <namespace>/<hostname>}: the xDS resource name. */
    public String key() {
        return namespace + "/" + hostname;
    }
}
