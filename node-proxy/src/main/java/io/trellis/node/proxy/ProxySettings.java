package io.trellis.node.proxy;

import io.trellis.node.authz.MtlsMode;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import java.time.Duration;

/**
 * Settings of the traffic paths.
 *
 * @param trustDomain SPIFFE trust domain of the pods' identities
 * @param mtlsMode whether inbound plaintext (15006) is authorized (PERMISSIVE) or refused (STRICT)
 * @param connectTimeout plain TCP connect timeout (passthrough and connections to the app)
 * @param pool HBONE client pool settings (one pool per enrolled pod)
 * @param sameNodeFastPath when the destination pod is enrolled on this node, connect to it directly
 *     (authorized with the destination's policy, counted by both reporters) instead of through an
 *     HBONE tunnel to ourselves
 * @param preserveSourceIp inbound connections to the app carry the client's IP as source
 *     (IP_TRANSPARENT in the pod's namespace), as in-pod ambient meshes do; off, the app sees its own IP
 * @param inboundLimits per-pod bounds on the inbound listeners (floods, slowloris)
 */
public record ProxySettings(String trustDomain, MtlsMode mtlsMode, Duration connectTimeout, HbonePoolConfig pool,
        boolean sameNodeFastPath, boolean preserveSourceIp, InboundLimits inboundLimits) {

    public ProxySettings {
        if (trustDomain.isBlank()) {
            throw new IllegalArgumentException("trust domain must not be blank");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
    }

    /** With the same-node fast path and source-IP preservation on, default inbound limits. */
    public ProxySettings(String trustDomain, MtlsMode mtlsMode, Duration connectTimeout, HbonePoolConfig pool) {
        this(trustDomain, mtlsMode, connectTimeout, pool, true, true, InboundLimits.defaults());
    }

    /** PERMISSIVE, 10 s connect timeout, default pool, fast path and source-IP preservation on. */
    public static ProxySettings defaults(String trustDomain) {
        return new ProxySettings(trustDomain, MtlsMode.PERMISSIVE, Duration.ofSeconds(10), HbonePoolConfig.defaults());
    }

    /** The same settings with the same-node fast path on or off. */
    public ProxySettings withSameNodeFastPath(boolean on) {
        return new ProxySettings(trustDomain, mtlsMode, connectTimeout, pool, on, preserveSourceIp, inboundLimits);
    }

    /** The same settings with source-IP preservation on or off. */
    public ProxySettings withPreserveSourceIp(boolean on) {
        return new ProxySettings(trustDomain, mtlsMode, connectTimeout, pool, sameNodeFastPath, on, inboundLimits);
    }

    /** The same settings with other inbound limits. */
    public ProxySettings withInboundLimits(InboundLimits limits) {
        return new ProxySettings(trustDomain, mtlsMode, connectTimeout, pool, sameNodeFastPath, preserveSourceIp, limits);
    }
}
