package io.trellis.proxy.core.tls;

import io.trellis.identity.MalformedSpiffeIdException;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.TunnelException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Reads the peer's SPIFFE id from a completed handshake. The chain was already verified by the
 * trust manager during the handshake; this only extracts the URI SAN and compares identities.
 */
public final class PeerIdentities {

    private static final int URI_NAME = 6;

    private PeerIdentities() {}

    /**
     * The verified peer's identity.
     *
     * @throws TunnelException.HandshakeFailed when the session has no usable peer certificate
     */
    public static SpiffeId of(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            throw new TunnelException.HandshakeFailed("peer presented no certificate", e);
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new TunnelException.HandshakeFailed("peer presented no X.509 certificate", null);
        }
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0))
                            && name.get(1) instanceof String uri) {
                        return SpiffeId.parse(uri);
                    }
                }
            }
        } catch (CertificateParsingException | MalformedSpiffeIdException e) {
            throw new TunnelException.HandshakeFailed("peer certificate carries no valid SPIFFE id: " + e.getMessage(), e);
        }
        throw new TunnelException.HandshakeFailed("peer certificate carries no URI SAN", null);
    }

    /**
     * Fails unless the verified peer is {@code expected}: a client calls this right after the
     * handshake, before sending anything, so a tunnel never reaches the wrong workload.
     *
     * @param where the peer's address, for the message
     */
    public static SpiffeId requireExpected(SSLSession session, SpiffeId expected, String where) {
        SpiffeId actual = of(session);
        if (!actual.equals(expected)) {
            throw new TunnelException.PeerIdentityMismatch("HBONE peer " + where + " presented identity " + actual
                    + " but " + expected + " was expected; is the destination address mapped to the wrong "
                    + "workload, or is something else listening there?");
        }
        return actual;
    }
}
