package io.trellis.proxy.core.tls;

import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Server certificates keyed by local IP address, updated as workloads come and go.
 *
 * <p>Writers (the config thread) replace an immutable map with one volatile write; the event loops
 * only read it, so lookups take no lock.
 */
public final class CertificatesByAddress implements ServerCertificates {

    private volatile Map<InetAddress, SslContext> byAddress = Map.of();
    private final @Nullable SslContext fallback;

    /** @param fallback used for addresses without an entry; null refuses them */
    public CertificatesByAddress(@Nullable SslContext fallback) {
        this.fallback = fallback;
    }

    /** Presents {@code context} on connections to {@code address}. */
    public synchronized void put(InetAddress address, SslContext context) {
        Map<InetAddress, SslContext> next = new HashMap<>(byAddress);
        next.put(address, context);
        byAddress = Map.copyOf(next);
    }

    /** Stops presenting a certificate for {@code address}. */
    public synchronized void remove(InetAddress address) {
        Map<InetAddress, SslContext> next = new HashMap<>(byAddress);
        next.remove(address);
        byAddress = Map.copyOf(next);
    }

    @Override
    public @Nullable SslContext forLocalAddress(InetSocketAddress local) {
        SslContext context = byAddress.get(local.getAddress());
        return context != null ? context : fallback;
    }
}
