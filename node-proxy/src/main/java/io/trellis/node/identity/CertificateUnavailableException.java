package io.trellis.node.identity;

import org.jspecify.annotations.Nullable;

/** No certificate could be obtained for an identity (yet): the CA refused, failed or answered nonsense. */
public final class CertificateUnavailableException extends CertificateException {

    private static final long serialVersionUID = 1L;

    CertificateUnavailableException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
