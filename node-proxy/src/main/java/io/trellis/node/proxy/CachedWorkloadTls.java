package io.trellis.node.proxy;

import io.netty.handler.ssl.SslContext;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.tls.TlsContexts;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Builds an SslContext pair once per certificate and keeps it while that certificate is current.
 * Building one costs a few milliseconds; doing it once per rotation on whichever loop first needs it
 * is cheaper than a handoff, and a racing duplicate build is harmless (the last one is kept).
 */
final class CachedWorkloadTls implements WorkloadTls {

    private record Contexts(WorkloadCertificate certificate, SslContext client, SslContext server) {}

    private final Function<SpiffeId, @Nullable WorkloadCertificate> current;
    private final Clock clock;
    private final ConcurrentHashMap<SpiffeId, Contexts> cache = new ConcurrentHashMap<>();

    CachedWorkloadTls(Function<SpiffeId, @Nullable WorkloadCertificate> current, Clock clock) {
        this.current = current;
        this.clock = clock;
    }

    @Override
    public @Nullable SslContext client(SpiffeId id) {
        Contexts c = contexts(id);
        return c == null ? null : c.client();
    }

    @Override
    public @Nullable SslContext server(SpiffeId id) {
        Contexts c = contexts(id);
        return c == null ? null : c.server();
    }

    private @Nullable Contexts contexts(SpiffeId id) {
        WorkloadCertificate cert = current.apply(id);
        if (cert == null) {
            cache.remove(id);
            return null;
        }
        Contexts cached = cache.get(id);
        if (cached != null && cached.certificate() == cert) {
            return cached;
        }
        Contexts built = new Contexts(cert, TlsContexts.client(cert, clock), TlsContexts.server(cert, clock));
        cache.put(id, built);
        return built;
    }
}
