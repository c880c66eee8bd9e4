package io.trellis.node.metrics;

/** Which end of a connection reports it: Istio's {@code reporter} label. */
public enum Reporter {
    /** The source workload's node-proxy (outbound). */
    SOURCE("source"),
    /** The destination workload's node-proxy (inbound). */
    DESTINATION("destination");

    private final String label;

    Reporter(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
