package io.trellis.proxy.core.hbone;

import io.trellis.identity.WorkloadCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;

/** Writes a workload certificate as PEM files (ca.pem, cert.pem with the chain, key.pem) for foreign tools. */
final class Pem {

    private Pem() {}

    static Path write(WorkloadCertificate certificate, Path dir) throws IOException, CertificateEncodingException {
        Files.createDirectories(dir);
        StringBuilder chain = new StringBuilder();
        for (X509Certificate c : certificate.chain()) {
            chain.append(block("CERTIFICATE", c.getEncoded()));
        }
        StringBuilder roots = new StringBuilder();
        for (X509Certificate c : certificate.trustBundle().roots()) {
            roots.append(block("CERTIFICATE", c.getEncoded()));
        }
        Files.writeString(dir.resolve("cert.pem"), chain, StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("ca.pem"), roots, StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("key.pem"), block("PRIVATE KEY", certificate.privateKey().getEncoded()),
                StandardCharsets.US_ASCII);
        return dir;
    }

    private static String block(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
