package io.trellis.waypoint.proxy;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A service port bound to this waypoint: CONNECTs to {@code vip} are served with {@code routeConfig}.
 *
 * @param hostname the service's host name, e.g. {@code reviews.bookinfo.svc.cluster.local}
 * @param namespace the service's namespace
 * @param vip the service's cluster IP and port: the HBONE {@code :authority} clients send
 * @param protocol the port's appProtocol: what the upstream endpoints speak
 * @param routeConfig the name of the route table (an RDS RouteConfiguration) for this port
 */
public record ServiceBinding(String hostname, String namespace, InetSocketAddress vip, AppProtocol protocol,
        String routeConfig) {

    public ServiceBinding {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(routeConfig, "routeConfig");
        if (vip.isUnresolved()) {
            throw new IllegalArgumentException("service " + hostname + ": vip " + vip + " must be a literal IP address");
        }
    }
}
