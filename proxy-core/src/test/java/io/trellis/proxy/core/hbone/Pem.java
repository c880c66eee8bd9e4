package io.trellis.proxy.core.hbone;

import io.trellis.identity.PemFiles;
import io.trellis.identity.WorkloadCertificate;
import java.nio.file.Path;

/** Writes a workload certificate as PEM files (ca.pem, cert.pem with the chain, key.pem) for foreign tools. */
final class Pem {

    private Pem() {}

    static Path write(WorkloadCertificate certificate, Path dir) {
        PemFiles.writeCertificates(dir.resolve("cert.pem"), certificate.chain());
        PemFiles.writeCertificates(dir.resolve("ca.pem"), certificate.trustBundle().roots());
        PemFiles.writePrivateKey(dir.resolve("key.pem"), certificate.privateKey());
        return dir;
    }
}
