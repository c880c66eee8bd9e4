package io.trellis.controller.model;

import java.net.InetAddress;
import java.util.List;

/**
 * A waypoint: a Gateway of class {@code trellis-waypoint} that has an address.
 *
 * @param identity SPIFFE URI the waypoint's certificate carries: the service account of its pods
 *                 (found through the {@code gateway.networking.k8s.io/gateway-name} label), or the
 *                 Gateway's name when no pod is known
 * @param addresses every address of the Gateway ({@code address} first): one per replica when the waypoint runs
 *                  several pods, each reached directly; node-proxies spread connections and fail over between them
 */
public record Waypoint(String namespace, String name, InetAddress address, int hbonePort, String identity,
                       List<InetAddress> addresses) {

    public Waypoint {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty() || !addresses.getFirst().equals(address)) {
            throw new IllegalArgumentException("waypoint " + namespace + "/" + name + ": addresses must start with "
                    + address + ", got " + addresses);
        }
    }

    /** A waypoint with one address. */
    public Waypoint(String namespace, String name, InetAddress address, int hbonePort, String identity) {
        this(namespace, name, address, hbonePort, identity, List.of(address));
    }

    public String key() {
        return namespace + "/" + name;
    }
}
