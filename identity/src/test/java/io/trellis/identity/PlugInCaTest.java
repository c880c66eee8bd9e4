package io.trellis.identity;

import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CA loaded from PEM files: our own layout, and one made entirely by openssl the way plug-in CA users do. */
class PlugInCaTest {

    private static final SpiffeId WEB = SpiffeId.of("cluster.local", "default", "web");

    private static final String OPENSSL_CONFIG = """
            [req]
            distinguished_name = dn
            prompt = no
            [dn]
            O = cluster.local
            CN = %s
            [v3_ca]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            [v3_intermediate]
            basicConstraints = critical, CA:TRUE, pathlen:0
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            [v3_leaf]
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            """;

    @TempDir
    Path dir;

    private final MutableClock clock = MutableClock.at("2026-01-10T12:00:00Z");

    @Test
    void roundTripsARootThroughTheDirectoryLayout() {
        CertificateAuthority original = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);

        List<Path> written = CaDirectory.write(original, dir);
        CertificateAuthority loaded = CaDirectory.load(dir, clock);

        assertThat(written).extracting(p -> p.getFileName().toString())
                .containsExactly("ca-key.pem", "ca-cert.pem", "cert-chain.pem", "root-cert.pem");
        assertThat(loaded.trustDomain()).isEqualTo("cluster.local");
        assertThat(loaded.certificate()).isEqualTo(original.certificate());
        assertThat(loaded.intermediates()).isEmpty();
        assertThat(loaded.notAfter()).isEqualTo(original.notAfter());
        WorkloadCertificate web = loaded.issue(WEB, Duration.ofHours(1));
        assertThat(new SvidVerifier(original.trustBundle(), clock).verify(web.chain(), WEB)).isEqualTo(WEB);
    }

    @Test
    void roundTripsAnIntermediateAndKeepsItsChain() throws Exception {
        CertificateAuthority root = CertificateAuthority.selfSigned("example.org", Duration.ofDays(30), clock);
        CertificateAuthority intermediate = root.newIntermediate(Duration.ofDays(10));

        CaDirectory.write(intermediate, dir);
        CertificateAuthority loaded = CaDirectory.load(dir, clock);

        assertThat(PemFiles.readCertificates(dir.resolve("cert-chain.pem")))
                .containsExactly(intermediate.certificate(), root.certificate());
        assertThat(loaded.trustDomain()).isEqualTo("example.org");
        assertThat(loaded.intermediates()).containsExactly(intermediate.certificate());
        assertThat(loaded.root()).isEqualTo(root.certificate());
        SpiffeId id = SpiffeId.of("example.org", "shop", "cart");
        WorkloadCertificate cart = loaded.issue(id, Duration.ofHours(1));
        assertThat(cart.chain()).containsExactly(cart.leaf(), intermediate.certificate());
        assertThat(new SvidVerifier(root.trustBundle(), clock).verify(cart.chain(), id)).isEqualTo(id);
    }

    @Test
    void keyFilesAreOwnerOnly() throws Exception {
        CaDirectory.write(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock), dir);

        assertThat(Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(dir).isDirectoryNotContaining("glob:**/.tmp-*");
    }

    @Test
    void loadsAPlugInCaMadeByOpensslWithSec1AndPkcs1Keys() throws Exception {
        Openssl.assumeAvailable();
        makeOpensslCa();
        Clock now = Clock.systemUTC();

        CertificateAuthority ca = CertificateAuthority.fromPem(dir.resolve("ca-key.pem"), dir.resolve("cert-chain.pem"),
                dir.resolve("root-cert.pem"), now);
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));

        assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(Files.readString(dir.resolve("root-key.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(ca.trustDomain()).as("from the O= attribute").isEqualTo("cluster.local");
        assertThat(web.chain()).hasSize(2);
        assertThat(new SvidVerifier(ca.trustBundle(), now).verify(web.chain(), WEB)).isEqualTo(WEB);
        PemFiles.writeCertificates(dir.resolve("leaf.pem"), List.of(web.leaf()));
        PemFiles.writeCertificates(dir.resolve("intermediates.pem"), web.chain().subList(1, 2));
        assertThat(Openssl.ok(dir, "verify", "-CAfile", "root-cert.pem", "-untrusted", "intermediates.pem", "leaf.pem"))
                .contains("leaf.pem: OK");

        // The RSA root itself, in PKCS#1 form, can be the signing CA too.
        CertificateAuthority rsaRoot = CertificateAuthority.fromPem(dir.resolve("root-key.pem"),
                dir.resolve("root-cert.pem"), dir.resolve("root-cert.pem"), now);
        WorkloadCertificate signedByRsa = rsaRoot.issue(WEB, Duration.ofHours(1));
        assertThat(signedByRsa.leaf().getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(new SvidVerifier(rsaRoot.trustBundle(), now).verify(signedByRsa.chain())).isEqualTo(WEB);
    }

    @Test
    void readsPkcs8KeysWrittenByOpenssl() throws Exception {
        Openssl.assumeAvailable();
        Openssl.ok(dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "pkcs8.pem");

        assertThat(Files.readString(dir.resolve("pkcs8.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(PemFiles.readPrivateKey(dir.resolve("pkcs8.pem")).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void refusesAKeyThatDoesNotMatchTheCertificate() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        CertificateAuthority other = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        CaDirectory.write(ca, dir);
        PemFiles.writePrivateKey(dir.resolve("ca-key.pem"), other.signingKey());

        assertThatThrownBy(() -> CaDirectory.load(dir, clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("ca-key.pem does not hold the private key of the first certificate in")
                .hasMessageContaining("are the key and certificate files from the same CA?");
    }

    @Test
    void refusesAChainThatDoesNotLeadToTheRoot() {
        CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        CertificateAuthority otherRoot = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        CaDirectory.write(root.newIntermediate(Duration.ofDays(1)), dir);
        PemFiles.writeCertificates(dir.resolve("root-cert.pem"), otherRoot.trustBundle().roots());

        assertThatThrownBy(() -> CaDirectory.load(dir, clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("cert-chain.pem ends in the self-signed certificate")
                .hasMessageContaining("which is not in");
    }

    @Test
    void refusesABrokenChain() {
        CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        CertificateAuthority first = root.newIntermediate(Duration.ofDays(10));
        CertificateAuthority sibling = root.newIntermediate(Duration.ofDays(10));
        CertificateAuthority second = first.newIntermediate(Duration.ofDays(5));
        CaDirectory.write(second, dir);
        PemFiles.writeCertificates(dir.resolve("cert-chain.pem"),
                List.of(second.certificate(), sibling.certificate(), root.certificate()));

        assertThatThrownBy(() -> CaDirectory.load(dir, clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("is not signed by certificate 2");
    }

    @Test
    void refusesALeafCertificateAsCa() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));
        PemFiles.writePrivateKey(dir.resolve("key.pem"), web.privateKey());
        PemFiles.writeCertificates(dir.resolve("cert.pem"), web.chain());
        PemFiles.writeCertificates(dir.resolve("root.pem"), ca.trustBundle().roots());

        assertThatThrownBy(() -> CertificateAuthority.fromPem(dir.resolve("key.pem"), dir.resolve("cert.pem"),
                dir.resolve("root.pem"), "cluster.local", clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("is not a CA certificate (basicConstraints CA=false)");
    }

    @Test
    void refusesAnExpiredPlugInCa() {
        CaDirectory.write(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock), dir);
        clock.advance(Duration.ofDays(2));

        assertThatThrownBy(() -> CaDirectory.load(dir, clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("expired at 2026-01-11T12:00:00Z")
                .hasMessageContaining("rotate the plug-in CA certificates");
    }

    @Test
    void namesTheMissingFile() throws Exception {
        assertThatThrownBy(() -> CaDirectory.load(dir.resolve("absent"), clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("does not exist; create a CA with `trellis ca init --out");
        CaDirectory.write(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock), dir);
        Files.delete(dir.resolve("root-cert.pem"));

        assertThatThrownBy(() -> CaDirectory.load(dir, clock))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("has no root-cert.pem");
        assertThatThrownBy(() -> PemFiles.readCertificates(dir.resolve("nothing.pem")))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageEndingWith("nothing.pem: no such file");
    }

    @Test
    void explainsSwappedAndEncryptedFiles() throws Exception {
        CaDirectory.write(CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock), dir);

        assertThatThrownBy(() -> PemFiles.readPrivateKey(dir.resolve("ca-cert.pem")))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("expected a private key but found");
        assertThatThrownBy(() -> PemFiles.readCertificates(dir.resolve("ca-key.pem")))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("expected only certificates");
        Files.writeString(dir.resolve("empty.pem"), "not pem at all\n");
        assertThatThrownBy(() -> PemFiles.readCertificates(dir.resolve("empty.pem")))
                .hasMessageContaining("no PEM certificate found");

        Openssl.assumeAvailable();
        Openssl.ok(dir, "pkcs8", "-topk8", "-in", "ca-key.pem", "-out", "encrypted.pem", "-passout", "pass:secret");
        assertThatThrownBy(() -> PemFiles.readPrivateKey(dir.resolve("encrypted.pem")))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("the private key is encrypted");
    }

    @Test
    void asksForAnExplicitTrustDomainWhenTheCertificateDoesNotTell() throws Exception {
        Openssl.assumeAvailable();
        Files.writeString(dir.resolve("ca.cnf"), OPENSSL_CONFIG.replace("O = cluster.local", "O = Acme Corp")
                .formatted("Acme Root"));
        Openssl.ok(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca-key.pem");
        Openssl.ok(dir, "req", "-x509", "-new", "-config", "ca.cnf", "-extensions", "v3_ca", "-key", "ca-key.pem",
                "-days", "30", "-out", "root-cert.pem");
        Path key = dir.resolve("ca-key.pem");
        Path root = dir.resolve("root-cert.pem");

        assertThatThrownBy(() -> CertificateAuthority.fromPem(key, root, root, Clock.systemUTC()))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("O= attribute 'Acme Corp' is not a usable trust domain")
                .hasMessageContaining("pass the trust domain explicitly");
        CertificateAuthority ca = CertificateAuthority.fromPem(key, root, root, "acme.example", Clock.systemUTC());
        SpiffeId id = SpiffeId.of("acme.example", "ns1", "sa1");
        assertThat(new SvidVerifier(ca.trustBundle(), Clock.systemUTC()).verify(ca.issue(id, Duration.ofHours(1))
                .chain())).isEqualTo(id);
    }

    /** An Istio-style plug-in CA: RSA root (PKCS#1 key), EC P-256 intermediate (SEC1 key), no SPIFFE URI SANs. */
    private void makeOpensslCa() throws Exception {
        Files.writeString(dir.resolve("root.cnf"), OPENSSL_CONFIG.formatted("Plug-in Root CA"));
        Files.writeString(dir.resolve("intermediate.cnf"), OPENSSL_CONFIG.formatted("Plug-in Intermediate CA"));
        Openssl.ok(dir, "genrsa", "-traditional", "-out", "root-key.pem", "2048");
        Openssl.ok(dir, "req", "-x509", "-new", "-config", "root.cnf", "-extensions", "v3_ca", "-key", "root-key.pem",
                "-sha256", "-days", "30", "-out", "root-cert.pem");
        Openssl.ok(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca-key.pem");
        Openssl.ok(dir, "req", "-new", "-config", "intermediate.cnf", "-key", "ca-key.pem", "-out", "ca.csr");
        Openssl.ok(dir, "x509", "-req", "-in", "ca.csr", "-CA", "root-cert.pem", "-CAkey", "root-key.pem",
                "-CAcreateserial", "-days", "20", "-sha256", "-extfile", "root.cnf", "-extensions", "v3_intermediate",
                "-out", "ca-cert.pem");
        Files.writeString(dir.resolve("cert-chain.pem"),
                Files.readString(dir.resolve("ca-cert.pem")) + Files.readString(dir.resolve("root-cert.pem")));
    }
}
