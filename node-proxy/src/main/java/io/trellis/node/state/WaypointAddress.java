package io.trellis.node.state;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where a waypoint is reached and the identity its certificate must carry.
 *
 * @param hbone    the waypoint's HBONE listener (address and port, normally 15008): its first replica
 * @param identity the SPIFFE id the HBONE client must see in the waypoint's certificate
 * @param replicas every replica's HBONE listener, {@code hbone} first; one element for a single-pod waypoint. New
 *                 connections are spread over them and fail over to the next when the connect fails.
 */
public record WaypointAddress(InetSocketAddress hbone, SpiffeId identity, List<InetSocketAddress> replicas) {

    public WaypointAddress {
        replicas = List.copyOf(replicas);
        if (replicas.isEmpty() || !replicas.getFirst().equals(hbone)) {
            throw new IllegalArgumentException("waypoint replicas must start with " + hbone + ", got " + replicas);
        }
    }

    /** A waypoint with one replica. */
    public WaypointAddress(InetSocketAddress hbone, SpiffeId identity) {
        this(hbone, identity, List.of(hbone));
    }
}
