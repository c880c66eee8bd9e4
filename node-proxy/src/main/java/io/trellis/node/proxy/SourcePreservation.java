package io.trellis.node.proxy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Whether, and from which address, the node-proxy connects to a local app on a client's behalf: with
 * preservation on, from the client's IP (any port, the kernel picks one, so the new connection never
 * collides with the client's own 4-tuple), so the app sees who really called it.
 */
record SourcePreservation(boolean enabled) {

    /**
     * The source to bind for a connection from {@code client} to {@code app}, or null to connect from
     * the pod's own address: preservation off, no client address, an address of another family, the
     * wildcard, the app's own address, or a loopback client toward a non-loopback app (a host-side
     * SOCKS5 client: no pod can route a reply to 127.0.0.1). Loopback to loopback is kept (the loopback
     * node mode, where every workload has a 127.x address).
     */
    @Nullable InetSocketAddress sourceFor(@Nullable InetAddress client, InetSocketAddress app) {
        if (!enabled || client == null) {
            return null;
        }
        InetAddress target = app.getAddress();
        if ((client instanceof Inet4Address) != (target instanceof Inet4Address)
                || client.isLoopbackAddress() != target.isLoopbackAddress()
                || client.isAnyLocalAddress() || client.equals(target)) {
            return null;
        }
        return new InetSocketAddress(client, 0);
    }
}
