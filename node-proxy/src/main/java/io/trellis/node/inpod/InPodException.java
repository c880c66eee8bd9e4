package io.trellis.node.inpod;

/** Every failure of the in-pod subsystem: native calls, enrollment and per-pod listeners. */
public abstract sealed class InPodException extends Exception
        permits NativeCallException, EnrollmentException, PodListenerException {

    InPodException(String message) {
        super(message);
    }

    InPodException(String message, Throwable cause) {
        super(message, cause);
    }
}
