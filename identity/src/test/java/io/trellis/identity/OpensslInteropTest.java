package io.trellis.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our CA's output checked by openssl, and openssl's CSRs signed by our CA. */
class OpensslInteropTest {

    private static final SpiffeId WEB = SpiffeId.of("cluster.local", "default", "web");

    @TempDir
    Path dir;

    @BeforeEach
    void requireOpenssl() {
        Openssl.assumeAvailable();
    }

    @Test
    void opensslVerifiesALeafIssuedByTheRoot() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(24));
        PemFiles.writeCertificates(dir.resolve("root-cert.pem"), ca.trustBundle().roots());
        PemFiles.writeCertificates(dir.resolve("cert.pem"), List.of(web.leaf()));

        assertThat(Openssl.ok(dir, "verify", "-CAfile", "root-cert.pem", "cert.pem")).contains("cert.pem: OK");
        // The same SVID serves both ends of mutual TLS.
        Openssl.ok(dir, "verify", "-purpose", "sslserver", "-CAfile", "root-cert.pem", "cert.pem");
        Openssl.ok(dir, "verify", "-purpose", "sslclient", "-CAfile", "root-cert.pem", "cert.pem");
    }

    @Test
    void opensslVerifiesALeafIssuedThroughIntermediates() throws Exception {
        CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        CertificateAuthority intermediate = root.newIntermediate(Duration.ofDays(10)).newIntermediate(Duration.ofDays(5));
        WorkloadCertificate web = intermediate.issue(WEB, Duration.ofHours(24));
        PemFiles.writeCertificates(dir.resolve("root-cert.pem"), web.trustBundle().roots());
        PemFiles.writeCertificates(dir.resolve("cert.pem"), List.of(web.leaf()));
        PemFiles.writeCertificates(dir.resolve("intermediates.pem"), web.chain().subList(1, web.chain().size()));

        assertThat(Openssl.ok(dir, "verify", "-CAfile", "root-cert.pem", "-untrusted", "intermediates.pem", "cert.pem"))
                .contains("cert.pem: OK");
        Openssl.Result withoutIntermediates = Openssl.run(dir, "verify", "-CAfile", "root-cert.pem", "cert.pem");
        assertThat(withoutIntermediates.exitCode()).isNotZero();
    }

    @Test
    void opensslRejectsALeafFromAnotherRoot() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        CertificateAuthority other = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        PemFiles.writeCertificates(dir.resolve("root-cert.pem"), ca.trustBundle().roots());
        PemFiles.writeCertificates(dir.resolve("cert.pem"), List.of(other.issue(WEB, Duration.ofHours(1)).leaf()));

        Openssl.Result result = Openssl.run(dir, "verify", "-CAfile", "root-cert.pem", "cert.pem");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("unable to get local issuer certificate");
    }

    @Test
    void opensslShowsTheSvidProfile() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        PemFiles.writeCertificates(dir.resolve("cert.pem"), List.of(ca.issue(WEB, Duration.ofHours(24)).leaf()));

        String text = Openssl.ok(dir, "x509", "-in", "cert.pem", "-text", "-noout");

        assertThat(text)
                .contains("URI:spiffe://cluster.local/ns/default/sa/web")
                .contains("X509v3 Subject Alternative Name: critical")
                .contains("X509v3 Basic Constraints: critical")
                .contains("CA:FALSE")
                .contains("X509v3 Key Usage: critical")
                .contains("Digital Signature")
                .contains("TLS Web Server Authentication, TLS Web Client Authentication")
                .contains("X509v3 Subject Key Identifier")
                .contains("X509v3 Authority Key Identifier")
                .contains("NIST CURVE: P-256")
                .contains("ecdsa-with-SHA256");
    }

    @Test
    void opensslShowsTheRootAsACa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("example.org", Duration.ofDays(30), Clock.systemUTC());
        PemFiles.writeCertificates(dir.resolve("root-cert.pem"), ca.trustBundle().roots());

        String text = Openssl.ok(dir, "x509", "-in", "root-cert.pem", "-text", "-noout");

        assertThat(text).contains("CA:TRUE").contains("Certificate Sign, CRL Sign").contains("O = example.org")
                .contains("URI:spiffe://example.org");
    }

    @Test
    void signsACsrMadeByOpenssl() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        Openssl.ok(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem");
        Openssl.ok(dir, "req", "-new", "-key", "key.pem", "-subj", "/CN=web", "-addext",
                "subjectAltName=URI:" + WEB.uri(), "-outform", "DER", "-out", "csr.der");

        List<java.security.cert.X509Certificate> chain =
                ca.sign(Files.readAllBytes(dir.resolve("csr.der")), WEB, Duration.ofHours(1));
        PemFiles.writeCertificates(dir.resolve("cert.pem"), chain);
        PemFiles.writeCertificates(dir.resolve("root-cert.pem"), ca.trustBundle().roots());

        assertThat(Openssl.ok(dir, "verify", "-CAfile", "root-cert.pem", "cert.pem")).contains("OK");
        // The certificate carries openssl's key: the key file and the certificate match.
        String keyPub = Openssl.ok(dir, "pkey", "-in", "key.pem", "-pubout");
        String certPub = Openssl.ok(dir, "x509", "-in", "cert.pem", "-noout", "-pubkey");
        assertThat(certPub).isEqualTo(keyPub);
        assertThat(new SvidVerifier(ca.trustBundle(), Clock.systemUTC()).verify(chain, WEB)).isEqualTo(WEB);
    }

    @Test
    void opensslReadsOurPrivateKeyAndItMatchesTheCertificate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), Clock.systemUTC());
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));
        PemFiles.writePrivateKey(dir.resolve("key.pem"), web.privateKey());
        PemFiles.writeCertificates(dir.resolve("cert.pem"), List.of(web.leaf()));

        String keyPub = Openssl.ok(dir, "pkey", "-in", "key.pem", "-pubout");
        String certPub = Openssl.ok(dir, "x509", "-in", "cert.pem", "-noout", "-pubkey");

        assertThat(certPub).isEqualTo(keyPub);
        assertThat(Files.readString(dir.resolve("key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
    }
}
