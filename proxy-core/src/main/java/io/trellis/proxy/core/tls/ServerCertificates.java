package io.trellis.proxy.core.tls;

import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Which certificate an HBONE server presents on an accepted connection, chosen by the connection's
 * local (destination) address. One listener can thus serve many identities, e.g. a node-proxy
 * answering for every pod IP on its node.
 */
@FunctionalInterface
public interface ServerCertificates {

    /** The server context for a connection accepted on {@code local}, or null to refuse it. */
    @Nullable SslContext forLocalAddress(InetSocketAddress local);

    /** Always the same certificate (a waypoint, or one listener per pod). */
    static ServerCertificates single(SslContext context) {
        return local -> context;
    }
}
