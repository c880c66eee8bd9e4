package io.trellis.node.identity;

/** Errors of the node-proxy's certificate handling. Sealed and unchecked. */
public sealed abstract class CertificateException extends RuntimeException permits CertificateUnavailableException {

    private static final long serialVersionUID = 1L;

    CertificateException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause, false, false);
    }
}
