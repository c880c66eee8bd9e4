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
 */
public record ProxySettings(String trustDomain, MtlsMode mtlsMode, Duration connectTimeout, HbonePoolConfig pool) {

    public ProxySettings {
        if (trustDomain.isBlank()) {
            throw new IllegalArgumentException("trust domain must not be blank");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
    }

    /** PERMISSIVE, 10 s connect timeout, default pool. */
    public static ProxySettings defaults(String trustDomain) {
        return new ProxySettings(trustDomain, MtlsMode.PERMISSIVE, Duration.ofSeconds(10), HbonePoolConfig.defaults());
    }
}
