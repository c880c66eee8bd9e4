package io.trellis.identity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A CA kept as PEM files in one directory, in the layout plug-in CA users know from Istio and
 * cert-manager: {@code ca-key.pem} (the signing key), {@code ca-cert.pem} (the CA's certificate),
 * {@code cert-chain.pem} (the CA's certificate, its intermediates, then the root) and
 * {@code root-cert.pem} (the trusted root bundle).
 */
public final class CaDirectory {

    /** The CA's private key (PKCS#8 when written by Trellis). */
    public static final String CA_KEY = "ca-key.pem";
    /** The CA's own certificate. */
    public static final String CA_CERT = "ca-cert.pem";
    /** The CA's certificate followed by its issuers up to and including the root. */
    public static final String CERT_CHAIN = "cert-chain.pem";
    /** The root certificate(s) workloads trust. */
    public static final String ROOT_CERT = "root-cert.pem";

    private CaDirectory() {}

    /** Writes the four files into {@code directory} (created if needed) and returns their paths. */
    public static List<Path> write(CertificateAuthority ca, Path directory) {
        List<X509Certificate> chain = new ArrayList<>(ca.intermediates());
        chain.add(ca.root());
        Path key = directory.resolve(CA_KEY);
        Path certificate = directory.resolve(CA_CERT);
        Path certChain = directory.resolve(CERT_CHAIN);
        Path roots = directory.resolve(ROOT_CERT);
        PemFiles.writePrivateKey(key, ca.signingKey());
        PemFiles.writeCertificates(certificate, List.of(ca.certificate()));
        PemFiles.writeCertificates(certChain, chain);
        PemFiles.writeCertificates(roots, ca.trustBundle().roots());
        return List.of(key, certificate, certChain, roots);
    }

    /**
     * Loads the CA in {@code directory}: {@code ca-key.pem}, {@code cert-chain.pem} (or, when there
     * is none, {@code ca-cert.pem}) and {@code root-cert.pem}. The trust domain comes from the CA
     * certificate (see {@link CertificateAuthority#fromPem(Path, Path, Path, Clock)}).
     */
    public static CertificateAuthority load(Path directory, Clock clock) {
        Layout files = Layout.of(directory);
        return CertificateAuthority.fromPem(files.key, files.chain, files.roots, clock);
    }

    /** Like {@link #load(Path, Clock)} with an explicit trust domain. */
    public static CertificateAuthority load(Path directory, String trustDomain, Clock clock) {
        Layout files = Layout.of(directory);
        return CertificateAuthority.fromPem(files.key, files.chain, files.roots, trustDomain, clock);
    }

    private record Layout(Path key, Path chain, Path roots) {
        static Layout of(Path directory) {
            if (!Files.isDirectory(directory)) {
                throw new CaConfigurationException("CA directory " + directory + " does not exist; create a CA with "
                        + "`trellis ca init --out " + directory + "` or point to a plug-in CA directory");
            }
            Path key = require(directory, CA_KEY);
            Path chain = directory.resolve(CERT_CHAIN);
            if (!Files.isRegularFile(chain)) {
                chain = require(directory, CA_CERT);
            }
            return new Layout(key, chain, require(directory, ROOT_CERT));
        }

        private static Path require(Path directory, String name) {
            Path file = directory.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new CaConfigurationException("CA directory " + directory + " has no " + name + "; a CA directory "
                        + "needs " + CA_KEY + ", " + CERT_CHAIN + " (or " + CA_CERT + ") and " + ROOT_CERT);
            }
            return file;
        }
    }
}
