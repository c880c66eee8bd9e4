package io.trellis.ctl;

/** A command failed for a reason the user can act on; the message says what and what to do. */
final class CtlException extends Exception {

    CtlException(String message) {
        super(message);
    }

    CtlException(String message, Throwable cause) {
        super(message, cause);
    }
}
