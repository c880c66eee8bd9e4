package io.trellis.waypoint.proxy;

import io.trellis.identity.SpiffeId;
import io.trellis.waypoint.telemetry.RequestRecord;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * What the HBONE CONNECT told us about a downstream connection.
 *
 * <p>Not a record: it also keeps, computed once per tunnel rather than per request, the client's
 * SPIFFE URI and the source {@link RequestRecord.Peer} every request's metrics and access-log line
 * name (building them per request was a visible share of the waypoint's allocation).
 */
final class ConnectionInfo {

    private final InetSocketAddress vip;
    private final SpiffeId peer;
    private final InetSocketAddress peerAddress;
    private final InetSocketAddress clientAddress;
    private final @Nullable String baggage;
    private @Nullable String peerUri;
    private RequestRecord.@Nullable Peer source;

    /**
     * @param vip the service address the client asked for
     * @param peer the client's verified identity
     * @param peerAddress the HBONE peer's socket address (a node-proxy)
     * @param clientAddress the original client, from {@code forwarded: for=}, else the peer address
     * @param baggage the CONNECT's baggage header (source workload metadata), or null
     */
    ConnectionInfo(InetSocketAddress vip, SpiffeId peer, InetSocketAddress peerAddress,
            InetSocketAddress clientAddress, @Nullable String baggage) {
        this.vip = vip;
        this.peer = peer;
        this.peerAddress = peerAddress;
        this.clientAddress = clientAddress;
        this.baggage = baggage;
    }

    InetSocketAddress vip() {
        return vip;
    }

    SpiffeId peer() {
        return peer;
    }

    InetSocketAddress peerAddress() {
        return peerAddress;
    }

    InetSocketAddress clientAddress() {
        return clientAddress;
    }

    @Nullable String baggage() {
        return baggage;
    }

    /** {@code peer().uri()}, built once (a tunnel's requests run on one loop; a race only builds it twice). */
    String peerUri() {
        String u = peerUri;
        if (u == null) {
            u = peer.uri();
            peerUri = u;
        }
        return u;
    }

    /** The client as the access log and metrics name it (workload from the CONNECT's baggage), built once. */
    RequestRecord.Peer source() {
        RequestRecord.Peer s = source;
        if (s == null) {
            String workload = baggageValue("k8s.deployment.name");
            if (workload == null) {
                workload = baggageValue("service.name");
            }
            s = new RequestRecord.Peer(peerUri(), peer.namespace(), workload == null ? "unknown" : workload,
                    Addresses.format(clientAddress));
            source = s;
        }
        return s;
    }

    /** A baggage member's value, e.g. {@code k8s.deployment.name}, or null. */
    @Nullable String baggageValue(String key) {
        // Runs for every request (its source workload): scans in place instead of splitting, so only the value
        // found is allocated (the split was 7 % of the waypoint's allocation in the lab profile).
        String b = baggage;
        if (b == null) {
            return null;
        }
        int n = b.length();
        for (int start = 0; start < n; ) {
            int end = b.indexOf(',', start);
            if (end < 0) {
                end = n;
            }
            int eq = b.indexOf('=', start);
            if (eq > start && eq < end) {
                int ks = start;
                int ke = eq;
                while (ks < ke && Character.isWhitespace(b.charAt(ks))) {
                    ks++;
                }
                while (ke > ks && Character.isWhitespace(b.charAt(ke - 1))) {
                    ke--;
                }
                if (ke - ks == key.length() && b.regionMatches(ks, key, 0, key.length())) {
                    int semi = b.indexOf(';', eq + 1);
                    return b.substring(eq + 1, semi >= 0 && semi < end ? semi : end).trim();
                }
            }
            start = end + 1;
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
