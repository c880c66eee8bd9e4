package io.trellis.controller.ca;

/** Errors of the controller's CA setup (not per-request denials, which are answered with a gRPC status). */
public sealed abstract class CaException extends RuntimeException permits TokenFileException {

    CaException(String message, Throwable cause) {
        super(message, cause);
    }

    CaException(String message) {
        super(message);
    }
}
