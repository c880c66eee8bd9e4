package io.trellis.proxy.core.controller;

import io.trellis.identity.PeerVerificationException;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies the controller SPIFFE-style (chain to the mesh root, URI SAN equal to the expected controller id) instead
 * of by host name, which would not match a Service name or pod IP. A rejection is logged here, because the gRPC
 * status a client sees for a failed handshake only says UNAVAILABLE and would send an operator looking for a network
 * problem. Never used for clients.
 */
final class ControllerTrust extends X509ExtendedTrustManager {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerTrust.class);

    private final SvidVerifier verifier;
    private final SpiffeId expected;

    ControllerTrust(SvidVerifier verifier, SpiffeId expected) {
        this.verifier = verifier;
        this.expected = expected;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            verifier.verify(chain == null ? List.of() : Arrays.asList(chain), expected);
        } catch (PeerVerificationException e) {
            LOG.error("event=controller_rejected expected={} problem=\"{}\"", expected, e.getMessage());
            throw new CertificateException("the controller's certificate is not " + expected + " under the mesh root: "
                    + e.getMessage() + " (check --controller-identity and --controller-root-cert)", e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("this trust manager only verifies the controller");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
