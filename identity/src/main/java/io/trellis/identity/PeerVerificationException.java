package io.trellis.identity;

import org.jspecify.annotations.Nullable;

/**
 * A peer's certificate chain was not accepted. {@link #reason()} classifies the failure (for
 * metrics and tests); the message tells an operator what to look at.
 */
public final class PeerVerificationException extends IdentityException {

    /** Why a peer was rejected. */
    public enum Reason {
        /** The peer presented no certificate at all. */
        NO_CERTIFICATE,
        /** A certificate in the chain is past its notAfter. */
        EXPIRED,
        /** A certificate in the chain is before its notBefore. */
        NOT_YET_VALID,
        /** The chain does not lead to a root of the trust bundle. */
        UNTRUSTED,
        /** The leaf is not an X509-SVID leaf (CA=true, or may sign certificates). */
        NOT_A_LEAF,
        /** The leaf does not carry exactly one valid SPIFFE URI SAN. */
        BAD_IDENTITY,
        /** The identity belongs to another trust domain. */
        FOREIGN_TRUST_DOMAIN,
        /** The identity is valid but not the one the caller expected. */
        UNEXPECTED_IDENTITY
    }

    private final Reason reason;

    PeerVerificationException(Reason reason, String message) {
        this(reason, message, null);
    }

    PeerVerificationException(Reason reason, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The kind of failure. */
    public Reason reason() {
        return reason;
    }
}
