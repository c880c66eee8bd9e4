package io.trellis.node.proxy;

/** The outbound path decided not to connect (e.g. no healthy endpoint, a loop to 15001). */
final class OutboundRefused extends RuntimeException {

    private final String label;

    OutboundRefused(String message, String label) {
        super(message, null, false, false);
        this.label = label;
    }

    /** Metric label. */
    String label() {
        return label;
    }
}
