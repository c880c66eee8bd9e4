package io.trellis.e2e;

/** Why the mesh in the lab could not be brought up or observed; the message says what to look at. */
public sealed class MeshException extends RuntimeException {

    MeshException(String message, Throwable cause) {
        super(message, cause);
    }

    MeshException(String message) {
        super(message);
    }

    /** Something did not become ready (or true) in time. */
    public static final class Timeout extends MeshException {
        public Timeout(String message) {
            super(message);
        }
    }

    /** A component could not be started or configured. */
    public static final class StartFailed extends MeshException {
        public StartFailed(String message, Throwable cause) {
            super(message, cause);
        }

        public StartFailed(String message) {
            super(message);
        }
    }
}
