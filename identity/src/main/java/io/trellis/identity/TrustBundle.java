package io.trellis.identity;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The root certificates a peer's chain must lead to, for one trust domain. Usually one root; more
 * during a root rotation, when the old and the new root are both trusted.
 */
public record TrustBundle(String trustDomain, List<X509Certificate> roots) {

    /** Validates the trust domain and requires at least one root. */
    public TrustBundle {
        SpiffeId.requireValidTrustDomain(trustDomain);
        roots = List.copyOf(roots);
        if (roots.isEmpty()) {
            throw new CaConfigurationException("the trust bundle for " + trustDomain
                    + " has no root certificate; nothing could be verified against it");
        }
    }
}
