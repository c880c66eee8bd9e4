package io.trellis.node.metrics;

/** How a connection ended, as Istio's {@code response_flags} label (Envoy's short codes where one exists). */
public enum ResponseFlag {
    /** Nothing unusual. */
    NONE("-"),
    /** The upstream (or the HBONE peer) could not be connected to. */
    UPSTREAM_CONNECT_FAILURE("UF"),
    /** A service had no healthy endpoint. */
    NO_HEALTHY_UPSTREAM("UH"),
    /** The upstream reset or ended the connection abnormally. */
    UPSTREAM_TERMINATION("UC"),
    /** The client reset the connection. */
    DOWNSTREAM_TERMINATION("DC"),
    /** L4 authorization refused the connection (Trellis' own code; Envoy has none for L4 denials). */
    AUTHORIZATION_DENIED("DENY");

    private final String label;

    ResponseFlag(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
