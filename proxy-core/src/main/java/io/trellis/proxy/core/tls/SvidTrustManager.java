package io.trellis.proxy.core.tls;

import io.trellis.identity.PeerVerificationException;
import io.trellis.identity.SvidVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS trust decisions by SPIFFE rules: the peer's chain must lead to the trust bundle, be current and
 * name an identity of the trust domain. No hostname verification: identity is the URI SAN, and
 * which identity a client expects is checked per connection after the handshake
 * ({@link PeerIdentities#requireExpected}).
 *
 * <p>Rejections throw a {@link CertificateException} carrying the verifier's message; expiry uses the
 * JDK's expiry subclasses so the TLS stack sends the matching alert ({@code certificate_expired}).
 */
final class SvidTrustManager extends X509ExtendedTrustManager {

    private final SvidVerifier verifier;

    SvidTrustManager(SvidVerifier verifier) {
        this.verifier = verifier;
    }

    private void check(X509Certificate[] chain, String role) throws CertificateException {
        List<X509Certificate> peerChain = chain == null ? List.of() : Arrays.asList(chain);
        try {
            verifier.verify(peerChain);
        } catch (PeerVerificationException e) {
            String message = role + " certificate rejected: " + e.getMessage();
            CertificateException rejection = switch (e.reason()) {
                case EXPIRED -> new CertificateExpiredException(message);
                case NOT_YET_VALID -> new CertificateNotYetValidException(message);
                default -> new CertificateException(message);
            };
            rejection.initCause(e);
            throw rejection;
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "server");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, "client");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, "server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return verifier.trustBundle().roots().toArray(new X509Certificate[0]);
    }
}
