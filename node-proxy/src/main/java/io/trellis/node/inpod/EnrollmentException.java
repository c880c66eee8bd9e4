package io.trellis.node.inpod;

/** The enrollment conversation failed: a malformed frame, a rejected request or a broken socket. */
public final class EnrollmentException extends InPodException {

    public EnrollmentException(String message) {
        super(message);
    }

    public EnrollmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
