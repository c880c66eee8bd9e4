/** TLS 1.3 mutual TLS for HBONE: SslContexts from workload certificates, SPIFFE trust decisions, per-address server certificates. */
@NullMarked
package io.trellis.proxy.core.tls;

import org.jspecify.annotations.NullMarked;
