package io.trellis.node.identity;

import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.util.concurrent.CompletableFuture;

/** Obtains a fresh certificate (and key) for one identity from a CA. */
public interface CaClient {

    /**
     * Generates a key, sends a CSR and completes with the verified certificate, or exceptionally with a
     * {@link CertificateUnavailableException} saying why.
     */
    CompletableFuture<WorkloadCertificate> fetch(SpiffeId id);
}
