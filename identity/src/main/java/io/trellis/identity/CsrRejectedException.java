package io.trellis.identity;

import org.jspecify.annotations.Nullable;

/** The CA refused to sign a certificate signing request; the message gives the reason for the requester. */
public final class CsrRejectedException extends IdentityException {

    CsrRejectedException(String message) {
        super(message, null);
    }

    CsrRejectedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
