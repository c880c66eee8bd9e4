package io.trellis.node.xds;

/** Errors of the workload xDS client. Sealed and unchecked. */
public sealed abstract class XdsException extends RuntimeException permits InvalidResourceException {

    private static final long serialVersionUID = 1L;

    XdsException(String message) {
        super(message, null, false, false);
    }
}
