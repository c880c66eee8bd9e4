package io.trellis.controller.ca;

/** The bootstrap token file cannot be read or has a bad line. */
public final class TokenFileException extends CaException {

    TokenFileException(String message, Throwable cause) {
        super(message, cause);
    }

    TokenFileException(String message) {
        super(message);
    }
}
