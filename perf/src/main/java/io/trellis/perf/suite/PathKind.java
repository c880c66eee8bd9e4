package io.trellis.perf.suite;

/** A way from the load generator to the target that the suite can set up on loopback. */
public enum PathKind {
    DIRECT("direct", "no proxy: the load generator talks to the target (the same-run baseline)"),
    HAPROXY_PAIR("haproxy-pair", "two HAProxy processes: plain TCP -> A -> mTLS (TLS 1.3, client certs) -> B "
            + "-> target; the peer for the L4 pair"),
    RELAY_PAIR("relay-pair", "Trellis relay code, two plain TCP hops in a child JVM: the cost of two hops "
            + "without TLS or HTTP/2"),
    HBONE_PAIR("hbone-pair", "Trellis HBONE pair in a child JVM: plain TCP -> A == HTTP/2 CONNECT over mTLS "
            + "TLS 1.3 ==> B -> target; the node-proxy pair's data path"),
    NGINX_L7("nginx-l7", "one nginx process as an HTTP/1.1 reverse proxy with upstream keep-alive: the L7 "
            + "peer, for comparison with the waypoint once its data path lands");

    private final String label;
    private final String description;

    PathKind(String label, String description) {
        this.label = label;
        this.description = description;
    }

    public String label() {
        return label;
    }

    public String description() {
        return description;
    }

    /** Parses a label such as {@code hbone-pair}. */
    public static PathKind parse(String label) {
        for (PathKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown path '" + label + "'; known: direct, haproxy-pair, relay-pair, "
                + "hbone-pair, nginx-l7");
    }
}
