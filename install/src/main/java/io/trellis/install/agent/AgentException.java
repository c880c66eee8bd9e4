package io.trellis.install.agent;

/**
 * The node agent could not enroll or look up a pod; the message says what failed and what to check. During a
 * CNI ADD this fails the pod's start (fail closed).
 */
public final class AgentException extends Exception {

    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
