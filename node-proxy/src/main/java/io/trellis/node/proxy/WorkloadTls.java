package io.trellis.node.proxy;

import io.netty.handler.ssl.SslContext;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.time.Clock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * TLS contexts for the local identities (one per service account with a pod on this node). Called on
 * event loops: implementations return cached contexts and never block.
 */
public interface WorkloadTls {

    /** The HBONE client context presenting {@code id}'s certificate, or null when none is held yet. */
    @Nullable SslContext client(SpiffeId id);

    /** The HBONE server context presenting {@code id}'s certificate, or null when none is held yet. */
    @Nullable SslContext server(SpiffeId id);

    /**
     * Contexts built from whatever certificate {@code current} holds for an identity (e.g.
     * {@code CertificateManager::current}), rebuilt when it changes (rotation).
     */
    static WorkloadTls fromCertificates(Function<SpiffeId, @Nullable WorkloadCertificate> current, Clock clock) {
        return new CachedWorkloadTls(current, clock);
    }
}
