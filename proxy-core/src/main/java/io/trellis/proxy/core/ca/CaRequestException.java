package io.trellis.proxy.core.ca;

/** The CA refused, failed, or answered with something unusable; the message says which and what to check. */
public final class CaRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CaRequestException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause, false, false);
    }
}
