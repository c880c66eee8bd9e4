package io.trellis.proxy.core.hbone;

import io.netty.handler.ssl.SslContext;
import io.trellis.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * The client TLS context (see {@code TlsContexts.client}) for a source identity, or null when no
 * certificate is held for it yet. Called once per new connection; return a cached context and swap
 * it when the certificate rotates (existing connections keep the old one until they close).
 */
@FunctionalInterface
public interface ClientCertificates {
    @Nullable SslContext forSource(SpiffeId source);
}
