package io.trellis.controller.model;

import java.net.InetAddress;

/**
 * A waypoint: a Gateway of class {@code trellis-waypoint} that has an address.
 *
 * @param identity SPIFFE URI the waypoint's certificate carries: the service account of its pods
 *                 (found through the {@code gateway.networking.k8s.io/gateway-name} label), or the
 *                 Gateway's name when no pod is known
 */
public record Waypoint(String namespace, String name, InetAddress address, int hbonePort, String identity) {

    public String key() {
        return namespace + "/" + name;
    }
}
