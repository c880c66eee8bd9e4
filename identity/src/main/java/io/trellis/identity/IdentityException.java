package io.trellis.identity;

import org.jspecify.annotations.Nullable;

/**
 * Every error the identity module raises. Unchecked, and sealed so callers can switch over the
 * four kinds: a malformed SPIFFE id, a rejected CSR, a peer that failed verification, and a CA
 * that is misconfigured (missing or inconsistent key/certificate files).
 */
public abstract sealed class IdentityException extends RuntimeException
        permits MalformedSpiffeIdException, CsrRejectedException, PeerVerificationException,
                CaConfigurationException {

    IdentityException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
