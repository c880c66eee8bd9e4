package io.trellis.node.inpod;

/** A pod's listeners (or an outbound socket in its namespace) could not be opened. */
public final class PodListenerException extends InPodException {

    public PodListenerException(String message) {
        super(message);
    }

    public PodListenerException(String message, Throwable cause) {
        super(message, cause);
    }
}
