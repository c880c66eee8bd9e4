package io.trellis.identity;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A workload's private key and X.509-SVID. {@code chain} is the leaf first, then any intermediates,
 * without the root (the root is in {@code trustBundle}); this is what a TLS server presents.
 */
public record WorkloadCertificate(SpiffeId id, PrivateKey privateKey, List<X509Certificate> chain,
                                  TrustBundle trustBundle) {

    /** Requires a non-empty chain. */
    public WorkloadCertificate {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a workload certificate needs at least the leaf certificate");
        }
    }

    /** The workload's own certificate (the first of the chain). */
    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** Start of the leaf's validity. */
    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    /** End of the leaf's validity. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Keeps the private key out of logs and toString-based debugging output. */
    @Override
    public String toString() {
        return "WorkloadCertificate[id=" + id + ", serial=" + leaf().getSerialNumber().toString(16)
                + ", notBefore=" + notBefore() + ", notAfter=" + notAfter() + ", chainLength="
                + chain.size() + "]";
    }
}
