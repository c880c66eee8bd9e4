package io.trellis.proxy.core.hbone;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One tunnel to open through the {@link HboneClientPool}.
 *
 * @param source our identity: selects the client certificate (and the pooled connection)
 * @param destinationIdentity who must answer at {@code hboneAddress}; the server's URI SAN is
 *     checked against it before anything is sent
 * @param hboneAddress the HBONE endpoint, e.g. {@code 10.0.2.7:15008} (node-proxy or waypoint)
 * @param target the CONNECT {@code :authority}: destination {@code ip:port} (a service VIP for a waypoint)
 * @param forwardedFor original client address, sent as {@code forwarded: for="ip:port"}; null to omit
 * @param baggage W3C baggage to send; null to omit
 * @param traceparent W3C traceparent to pass through; null to omit
 */
public record TunnelRequest(SpiffeId source, SpiffeId destinationIdentity, InetSocketAddress hboneAddress,
        InetSocketAddress target, @Nullable InetSocketAddress forwardedFor, @Nullable String baggage,
        @Nullable String traceparent) {

    /** The pooling key: connections are shared by requests with equal keys. */
    PoolKey key() {
        return new PoolKey(source, destinationIdentity, hboneAddress);
    }
}
