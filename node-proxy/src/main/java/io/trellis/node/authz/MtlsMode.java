package io.trellis.node.authz;

/**
 * Whether a workload accepts plaintext from outside the mesh on its inbound port 15006. Setting
 * {@code --mtls-mode} of the node-proxy (the workload xDS API has no per-workload peer authentication yet).
 */
public enum MtlsMode {
    /** Plaintext is accepted and authorized like any connection, without a principal. The default, as in Istio. */
    PERMISSIVE,
    /** Plaintext is refused: only HBONE (mutual TLS) reaches the workload. */
    STRICT
}
