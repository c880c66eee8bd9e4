package io.trellis.waypoint.proxy;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * What the HBONE CONNECT told us about a downstream connection.
 *
 * @param vip the service address the client asked for
 * @param peer the client's verified identity
 * @param peerAddress the HBONE peer's socket address (a node-proxy)
 * @param clientAddress the original client, from {@code forwarded: for=}, else the peer address
 * @param baggage the CONNECT's baggage header (source workload metadata), or null
 */
record ConnectionInfo(InetSocketAddress vip, SpiffeId peer, InetSocketAddress peerAddress,
        InetSocketAddress clientAddress, @Nullable String baggage) {

    /** A baggage member's value, e.g. {@code k8s.deployment.name}, or null. */
    @Nullable String baggageValue(String key) {
        String b = baggage;
        if (b == null) {
            return null;
        }
        for (String member : b.split(",")) {
            int eq = member.indexOf('=');
            if (eq > 0 && member.substring(0, eq).trim().equals(key)) {
                String value = member.substring(eq + 1);
                int semi = value.indexOf(';');
                return (semi < 0 ? value : value.substring(0, semi)).trim();
            }
        }
        return null;
    }

    /** Parses {@code for="ip:port"} (RFC 7239); null when absent or not a literal address. */
    static @Nullable InetSocketAddress parseForwardedFor(@Nullable String forwarded) {
        if (forwarded == null) {
            return null;
        }
        int i = forwarded.toLowerCase(java.util.Locale.ROOT).indexOf("for=");
        if (i < 0) {
            return null;
        }
        String v = forwarded.substring(i + 4);
        int end = v.indexOf(';');
        v = (end < 0 ? v : v.substring(0, end)).trim();
        int comma = v.indexOf(',');
        v = (comma < 0 ? v : v.substring(0, comma)).replace("\"", "").trim();
        return Addresses.parse(v);
    }
}
