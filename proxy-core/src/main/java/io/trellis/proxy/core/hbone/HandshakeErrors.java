package io.trellis.proxy.core.hbone;

import io.trellis.proxy.core.TunnelException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/** Turns TLS stack exceptions into messages that say which certificate was wrong and what to check. */
final class HandshakeErrors {

    private HandshakeErrors() {}

    /** Our trust manager's rejection, if it caused this failure. */
    static @Nullable CertificateException ourRejection(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CertificateException ce && ce.getMessage() != null
                    && ce.getMessage().contains("certificate rejected:")) {
                return ce;
            }
        }
        return null;
    }

    static boolean noClientCertificate(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("Empty client certificate chain")
                    || m.contains("Empty server certificate chain") || m.contains("CERTIFICATE_REQUIRED")) {
                return true;
            }
        }
        return false;
    }

    /** Server side: why a client's handshake failed. */
    static TunnelException.HandshakeFailed server(String peer, Throwable failure) {
        CertificateException ours = ourRejection(failure);
        String message;
        if (ours != null) {
            message = "HBONE client " + peer + ": " + ours.getMessage();
        } else if (noClientCertificate(failure)) {
            message = "HBONE client " + peer + " presented no client certificate; HBONE requires mutual TLS "
                    + "(is the client configured with its workload certificate?)";
        } else if (failure instanceof java.nio.channels.ClosedChannelException) {
            message = "HBONE client " + peer + " closed the connection during the TLS handshake; did it reject our "
                    + "certificate (check the client's log and trust bundle)?";
        } else {
            message = "HBONE client " + peer + ": TLS handshake failed: " + rootMessage(failure)
                    + " (HBONE needs TLS 1.3 with a workload certificate)";
        }
        return new TunnelException.HandshakeFailed(message, failure);
    }

    /**
     * Client side: why the handshake with a server failed. {@code afterHandshake} is true when the
     * failure came after our side finished the handshake, which in TLS 1.3 is how a server's
     * rejection of our certificate arrives.
     */
    static TunnelException.HandshakeFailed client(String peer, String ourIdentity, Throwable failure,
            boolean afterHandshake) {
        CertificateException ours = ourRejection(failure);
        String message;
        if (ours != null) {
            message = "TLS handshake with HBONE peer " + peer + " failed: " + ours.getMessage();
        } else if (afterHandshake || failure instanceof SSLException) {
            message = "HBONE peer " + peer + " rejected our certificate (" + ourIdentity + "): "
                    + rootMessage(failure) + "; does the peer trust our CA and is our certificate current?";
        } else {
            message = "TLS handshake with HBONE peer " + peer + " failed: " + rootMessage(failure);
        }
        return new TunnelException.HandshakeFailed(message, failure);
    }

    static String rootMessage(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
