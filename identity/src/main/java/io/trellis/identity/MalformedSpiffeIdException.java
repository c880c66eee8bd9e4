package io.trellis.identity;

/** A string that is not a valid {@code spiffe://<trust-domain>/ns/<ns>/sa/<sa>} id; the message says what is wrong. */
public final class MalformedSpiffeIdException extends IdentityException {

    MalformedSpiffeIdException(String message) {
        super(message, null);
    }
}
