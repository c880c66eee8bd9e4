package io.trellis.waypoint.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.waypoint.lb.Endpoint;
import java.net.InetSocketAddress;
import java.util.IdentityHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Where attempts to one endpoint go: its parsed address, the HBONE address of its node-proxy, the
 * identity that node-proxy must prove and the idle-tunnel key. Parsing the endpoint's text address,
 * formatting the key and the identity's URI cost several objects; attempts used to pay that each
 * time, so each event loop keeps one target per endpoint (endpoints are immutable parts of a config
 * snapshot, so the same instance comes back request after request).
 *
 * @param endpoint the endpoint
 * @param identity whom its HBONE server must prove to be, or null when none is configured
 * @param address its {@code ip:port}, or null when {@link Endpoint#address()} is not a literal one
 * @param hbone where its node-proxy's HBONE server listens, or null with {@code address}
 * @param identityUri {@code identity.uri()}, or null with {@code identity}
 * @param poolKey the {@link IdleUpstreams} key of the endpoint and identity
 */
record UpstreamTarget(Endpoint endpoint, @Nullable SpiffeId identity, @Nullable InetSocketAddress address,
        @Nullable InetSocketAddress hbone, @Nullable String identityUri, String poolKey) {

    /** Per loop; cleared when it grows past this (old snapshots' endpoints would otherwise stay pinned). */
    private static final int MAX_PER_LOOP = 4096;

    private static final FastThreadLocal<IdentityHashMap<Endpoint, UpstreamTarget>> BY_LOOP =
            new FastThreadLocal<>() {
                @Override
                protected IdentityHashMap<Endpoint, UpstreamTarget> initialValue() {
                    return new IdentityHashMap<>();
                }
            };

    /** The calling thread's target for {@code endpoint} verified as {@code identity}, HBONE on {@code hbonePort}. */
    static UpstreamTarget of(Endpoint endpoint, @Nullable SpiffeId identity, int hbonePort) {
        IdentityHashMap<Endpoint, UpstreamTarget> map = BY_LOOP.get();
        UpstreamTarget t = map.get(endpoint);
        if (t != null && t.fits(identity, hbonePort)) {
            return t;
        }
        if (map.size() >= MAX_PER_LOOP) {
            map.clear();
        }
        t = resolve(endpoint, identity, hbonePort);
        map.put(endpoint, t);
        return t;
    }

    static UpstreamTarget resolve(Endpoint endpoint, @Nullable SpiffeId identity, int hbonePort) {
        InetSocketAddress address = Addresses.parse(endpoint.address());
        InetSocketAddress hbone = address == null ? null : new InetSocketAddress(address.getAddress(), hbonePort);
        String uri = identity == null ? null : identity.uri();
        String key = IdleUpstreams.key(address == null ? endpoint.address() : Addresses.format(address),
                uri == null ? "" : uri);
        return new UpstreamTarget(endpoint, identity, address, hbone, uri, key);
    }

    private boolean fits(@Nullable SpiffeId id, int hbonePort) {
        return (identity == id || (identity != null && identity.equals(id)))
                && (hbone == null || hbone.getPort() == hbonePort);
    }

    /** The CONNECT for an attempt from {@code source} on behalf of {@code conn}; needs an address and identity. */
    TunnelRequest tunnelRequest(SpiffeId source, ConnectionInfo conn, @Nullable String traceparent) {
        if (address == null || hbone == null || identity == null) {
            throw new IllegalStateException("endpoint " + endpoint.address() + " has no usable address or identity");
        }
        return new TunnelRequest(source, identity, hbone, address, conn.clientAddress(), conn.baggage(), traceparent);
    }
}
