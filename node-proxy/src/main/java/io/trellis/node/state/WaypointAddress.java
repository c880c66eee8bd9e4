package io.trellis.node.state;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;

/**
 * Where a waypoint is reached and the identity its certificate must carry.
 *
 * @param hbone    the waypoint's HBONE listener (address and port, normally 15008)
 * @param identity the SPIFFE id the HBONE client must see in the waypoint's certificate
 */
public record WaypointAddress(InetSocketAddress hbone, SpiffeId identity) {}
