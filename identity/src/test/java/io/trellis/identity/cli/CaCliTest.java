package io.trellis.identity.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.identity.CaDirectory;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.Openssl;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `trellis ca init|issue` run in-process against a temporary directory. */
class CaCliTest {

    private static final String WEB = "spiffe://cluster.local/ns/default/sa/web";

    @TempDir
    Path dir;

    private Clock clock = Clock.systemUTC();
    private String out = "";
    private String err = "";

    private int ca(String... args) {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        int code = CaCli.run(clock, new PrintWriter(stdout), new PrintWriter(stderr), args);
        out = stdout.toString();
        err = stderr.toString();
        return code;
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void initWritesARootCaAndSaysWhatItWrote() {
        assertThat(ca("init", "--out", path("root"))).isZero();

        assertThat(out).contains("created root CA for trust domain cluster.local")
                .contains("wrote " + path("root/ca-key.pem"))
                .contains("wrote " + path("root/ca-cert.pem"))
                .contains("wrote " + path("root/cert-chain.pem"))
                .contains("wrote " + path("root/root-cert.pem"));
        assertThat(err).isEmpty();
        CertificateAuthority loaded = CaDirectory.load(dir.resolve("root"), clock);
        assertThat(loaded.trustDomain()).isEqualTo("cluster.local");
        assertThat(loaded.intermediates()).isEmpty();
        assertThat(PemFiles.readCertificates(dir.resolve("root/cert-chain.pem"))).containsExactly(loaded.certificate());
    }

    @Test
    void initHonoursTrustDomainAndValidity() {
        clock = Clock.fixed(Instant.parse("2026-03-01T00:00:00Z"), ZoneOffset.UTC);

        assertThat(ca("init", "--out", path("root"), "--trust-domain", "example.org", "--validity", "30d")).isZero();

        CertificateAuthority loaded = CaDirectory.load(dir.resolve("root"), clock);
        assertThat(loaded.trustDomain()).isEqualTo("example.org");
        assertThat(loaded.notAfter()).isEqualTo(Instant.parse("2026-03-31T00:00:00Z"));
    }

    @Test
    void initWritesAnIntermediateSignedByTheRoot() {
        assertThat(ca("init", "--out", path("root"))).isZero();

        assertThat(ca("init", "--out", path("intermediate"), "--intermediate-of", path("root"), "--validity", "365d"))
                .isZero();

        assertThat(out).contains("created intermediate CA signed by CN=Trellis Root CA,O=cluster.local");
        X509Certificate root = PemFiles.readCertificates(dir.resolve("root/ca-cert.pem")).getFirst();
        X509Certificate intermediate = PemFiles.readCertificates(dir.resolve("intermediate/ca-cert.pem")).getFirst();
        assertThat(PemFiles.readCertificates(dir.resolve("intermediate/cert-chain.pem")))
                .containsExactly(intermediate, root);
        assertThat(PemFiles.readCertificates(dir.resolve("intermediate/root-cert.pem"))).containsExactly(root);
        assertThat(intermediate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void issueWritesAnSvidThatOpensslAndTheVerifierAccept() throws Exception {
        ca("init", "--out", path("root"));
        ca("init", "--out", path("intermediate"), "--intermediate-of", path("root"));

        assertThat(ca("issue", "--ca", path("intermediate"), "--identity", WEB, "--out", path("web"), "--ttl", "1h"))
                .isZero();

        assertThat(out).contains("issued " + WEB)
                .contains("wrote " + path("web/key.pem"))
                .contains("wrote " + path("web/cert.pem"))
                .contains("wrote " + path("web/cert-chain.pem"))
                .contains("wrote " + path("web/root-cert.pem"));
        List<X509Certificate> chain = PemFiles.readCertificates(dir.resolve("web/cert-chain.pem"));
        List<X509Certificate> roots = PemFiles.readCertificates(dir.resolve("web/root-cert.pem"));
        X509Certificate leaf = PemFiles.readCertificates(dir.resolve("web/cert.pem")).getFirst();
        assertThat(chain).hasSize(2).first().isEqualTo(leaf);
        assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                .isEqualTo(Duration.ofMinutes(65));
        SvidVerifier verifier = new SvidVerifier(new io.trellis.identity.TrustBundle("cluster.local", roots), clock);
        assertThat(verifier.verify(chain, SpiffeId.parse(WEB))).isEqualTo(SpiffeId.parse(WEB));
        assertThat(PemFiles.readPrivateKey(dir.resolve("web/key.pem")).getAlgorithm()).isEqualTo("EC");

        Openssl.assumeAvailable();
        PemFiles.writeCertificates(dir.resolve("web/intermediates.pem"), chain.subList(1, chain.size()));
        assertThat(Openssl.ok(dir.resolve("web"), "verify", "-CAfile", "root-cert.pem", "-untrusted",
                "intermediates.pem", "cert.pem")).contains("cert.pem: OK");
        assertThat(Openssl.ok(dir.resolve("web"), "x509", "-in", "cert.pem", "-text", "-noout"))
                .contains("URI:" + WEB)
                .contains("CA:FALSE")
                .contains("TLS Web Server Authentication, TLS Web Client Authentication");
    }

    @Test
    void issueFromARootWritesAChainOfJustTheLeaf() throws Exception {
        ca("init", "--out", path("root"));

        assertThat(ca("issue", "--ca", path("root"), "--identity", WEB, "--out", path("web"))).isZero();

        assertThat(PemFiles.readCertificates(dir.resolve("web/cert-chain.pem"))).hasSize(1);
        Openssl.assumeAvailable();
        assertThat(Openssl.ok(dir.resolve("web"), "verify", "-CAfile", "root-cert.pem", "cert.pem")).contains("OK");
    }

    @Test
    void missingCaDirectoryIsAClearErrorWithoutStackTrace() {
        int code = ca("issue", "--ca", path("nowhere"), "--identity", WEB, "--out", path("web"));

        assertThat(code).isEqualTo(1);
        assertThat(err).startsWith("error: CA directory " + path("nowhere") + " does not exist")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(dir.resolve("web")).doesNotExist();
    }

    @Test
    void missingCaFileIsAClearError() throws Exception {
        ca("init", "--out", path("root"));
        Files.delete(dir.resolve("root/ca-key.pem"));

        assertThat(ca("issue", "--ca", path("root"), "--identity", WEB, "--out", path("web"))).isEqualTo(1);
        assertThat(err).contains("has no ca-key.pem").doesNotContain("\tat ");
    }

    @Test
    void badIdentityIsAClearError() {
        ca("init", "--out", path("root"));

        assertThat(ca("issue", "--ca", path("root"), "--identity", "spiffe://cluster.local/web", "--out", path("w")))
                .isEqualTo(1);
        assertThat(err).isEqualTo("error: invalid SPIFFE id 'spiffe://cluster.local/web': path '/web' is not of "
                + "the form /ns/<namespace>/sa/<service-account>" + System.lineSeparator());

        assertThat(ca("issue", "--ca", path("root"), "--identity", "spiffe://other.org/ns/a/sa/b", "--out", path("w")))
                .isEqualTo(1);
        assertThat(err).contains("this CA signs only for trust domain cluster.local");
    }

    @Test
    void initRefusesToOverwriteACaUnlessForced() throws Exception {
        ca("init", "--out", path("root"));
        String key = Files.readString(dir.resolve("root/ca-key.pem"));

        assertThat(ca("init", "--out", path("root"))).isEqualTo(1);
        assertThat(err).contains("already exists; pass --force");
        assertThat(Files.readString(dir.resolve("root/ca-key.pem"))).isEqualTo(key);

        assertThat(ca("init", "--out", path("root"), "--force")).isZero();
        assertThat(Files.readString(dir.resolve("root/ca-key.pem"))).isNotEqualTo(key);
    }

    @Test
    void refusesToWriteIntoACaDirectory() throws Exception {
        ca("init", "--out", path("root"));
        String chain = Files.readString(dir.resolve("root/cert-chain.pem"));

        assertThat(ca("issue", "--ca", path("root"), "--identity", WEB, "--out", path("root"))).isEqualTo(1);
        assertThat(err).contains("holds a CA (ca-key.pem); write the workload certificate to another directory");
        assertThat(Files.readString(dir.resolve("root/cert-chain.pem"))).isEqualTo(chain);

        assertThat(ca("init", "--out", path("root/../root"), "--intermediate-of", path("root"), "--force"))
                .isEqualTo(1);
        assertThat(err).contains("name the same directory");
        assertThat(Files.readString(dir.resolve("root/cert-chain.pem"))).isEqualTo(chain);
    }

    @Test
    void intermediateKeepsItsRootsTrustDomain() {
        ca("init", "--out", path("root"), "--trust-domain", "example.org");

        assertThat(ca("init", "--out", path("i"), "--intermediate-of", path("root"), "--trust-domain", "other.org"))
                .isEqualTo(1);
        assertThat(err).contains("an intermediate always has its root's trust domain");

        assertThat(ca("init", "--out", path("i"), "--intermediate-of", path("root"))).isZero();
        assertThat(out).contains("for trust domain example.org");
    }

    @Test
    void invalidTrustDomainIsAClearError() {
        assertThat(ca("init", "--out", path("root"), "--trust-domain", "Cluster.Local")).isEqualTo(1);
        assertThat(err).startsWith("error: the trust domain 'Cluster.Local' contains 'C'");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(ca("issue", "--ca", path("root"), "--identity", WEB, "--out", path("w"), "--ttl", "soon"))
                .isEqualTo(2);
        assertThat(err).contains("'soon' is not a duration");

        assertThat(ca("issue", "--ca", path("root"))).isEqualTo(2);
        assertThat(err).contains("Missing required options");

        assertThat(ca()).isEqualTo(2);
        assertThat(err).contains("init").contains("issue");

        assertThat(ca("--help")).isZero();
        assertThat(out).contains("Usage: trellis ca");
    }
}
