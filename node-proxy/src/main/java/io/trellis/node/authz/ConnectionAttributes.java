package io.trellis.node.authz;

import io.trellis.identity.SpiffeId;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/**
 * What L4 authorization knows about an inbound connection.
 *
 * @param principal       the verified peer identity (HBONE), or null for plaintext
 * @param sourceIp        the client's address (the {@code forwarded} header's for HBONE, the peer's for plaintext)
 * @param destinationPort the workload port the client wants
 */
public record ConnectionAttributes(@Nullable SpiffeId principal, InetAddress sourceIp, int destinationPort) {

    /** The principal as policies name it: the SPIFFE id without {@code spiffe://}; null for plaintext. */
    @Nullable String principalName() {
        return principal == null ? null : principal.trustDomain() + "/ns/" + principal.namespace() + "/sa/"
                + principal.serviceAccount();
    }

    /** The source namespace, taken from the principal as Istio does; null for plaintext. */
    @Nullable String sourceNamespace() {
        return principal == null ? null : principal.namespace();
    }
}
