package io.trellis.perf.peer;

/** A peer proxy could not be set up or started; the message says what to install or check. */
public final class PeerException extends Exception {

    public PeerException(String message) {
        super(message);
    }

    public PeerException(String message, Throwable cause) {
        super(message, cause);
    }
}
