package io.trellis.identity;

import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final SpiffeId WEB = SpiffeId.of("cluster.local", "default", "web");

    private final MutableClock clock = MutableClock.at("2026-01-10T12:00:00Z");

    @Test
    void selfSignedRootIsAnEcP256CaForTheTrustDomain() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);
        X509Certificate root = ca.certificate();

        assertThat(ca.trustDomain()).isEqualTo("cluster.local");
        assertThat(ca.trustBundle().roots()).containsExactly(root);
        assertThat(ca.intermediates()).isEmpty();
        assertThat(root.getSubjectX500Principal().getName()).contains("O=cluster.local");
        assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(root.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(root.getKeyUsage()[6]).as("cRLSign").isTrue();
        assertThat(root.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
        assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(root.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(root.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(365)));
        root.verify(root.getPublicKey());
    }

    @Test
    void issuedSvidFollowsTheX509SvidProfile() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);

        WorkloadCertificate issued = ca.issue(WEB, Duration.ofHours(24));
        X509Certificate leaf = issued.leaf();

        assertThat(issued.chain()).containsExactly(leaf);
        assertThat(issued.id()).isEqualTo(WEB);
        assertThat(issued.trustBundle()).isEqualTo(ca.trustBundle());
        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, WEB.uri()));
        assertThat(leaf.getCriticalExtensionOIDs()).containsExactlyInAnyOrder(
                "2.5.29.17" /* SAN */, "2.5.29.19" /* basic constraints */, "2.5.29.15" /* key usage */);
        assertThat(leaf.getBasicConstraints()).as("CA=false").isEqualTo(-1);
        boolean[] usage = leaf.getKeyUsage();
        assertThat(usage[0]).as("digitalSignature").isTrue();
        assertThat(usage[2]).as("keyEncipherment (EC key)").isFalse();
        assertThat(usage[5]).as("keyCertSign").isFalse();
        assertThat(leaf.getExtendedKeyUsage()).containsExactly(SERVER_AUTH, CLIENT_AUTH);
        assertThat(leaf.getExtensionValue("2.5.29.14")).as("SKI").isNotNull();
        assertThat(leaf.getExtensionValue("2.5.29.35")).as("AKI").isNotNull();
        assertThat(authorityKeyId(leaf)).isEqualTo(subjectKeyId(ca.certificate()));
        assertThat(leaf.getSerialNumber()).isPositive();
        assertThat(leaf.getSerialNumber().bitLength()).isLessThanOrEqualTo(128);
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        leaf.verify(ca.certificate().getPublicKey());
    }

    @Test
    void serialsAreRandom() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);

        BigInteger first = ca.issue(WEB, Duration.ofHours(1)).leaf().getSerialNumber();
        BigInteger second = ca.issue(WEB, Duration.ofHours(1)).leaf().getSerialNumber();

        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void notBeforeIsBackdatedForClockSkewAndNotAfterIsTheTtl() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);
        clock.advance(Duration.ofHours(1));

        WorkloadCertificate issued = ca.issue(WEB, Duration.ofHours(24));

        assertThat(issued.notBefore()).isEqualTo(clock.instant().minus(CertificateAuthority.CLOCK_SKEW_ALLOWANCE));
        assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
    }

    @Test
    void notBeforeNeverPrecedesTheCaItself() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);

        WorkloadCertificate issued = ca.issue(WEB, Duration.ofHours(24));

        assertThat(issued.notBefore()).isEqualTo(ca.certificate().getNotBefore().toInstant());
    }

    @Test
    void validityIsBoundedByTheCasRemainingValidity() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofHours(30), clock);
        clock.advance(Duration.ofHours(20));

        WorkloadCertificate issued = ca.issue(WEB, Duration.ofHours(24));

        assertThat(issued.notAfter()).isEqualTo(ca.certificate().getNotAfter().toInstant())
                .isEqualTo(Instant.parse("2026-01-11T18:00:00Z"));
    }

    @Test
    void intermediateValidityIsBoundedByTheRootAndLeavesByBoth() {
        CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(10), clock);
        CertificateAuthority intermediate = root.newIntermediate(Duration.ofDays(365));
        assertThat(intermediate.notAfter()).isEqualTo(root.notAfter());

        CertificateAuthority shortIntermediate = root.newIntermediate(Duration.ofDays(2));
        WorkloadCertificate issued = shortIntermediate.issue(WEB, Duration.ofDays(5));
        assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofDays(2)));
    }

    @Test
    void intermediateChainsLeafToRoot() throws Exception {
        CertificateAuthority root = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);
        CertificateAuthority intermediate = root.newIntermediate(Duration.ofDays(30));
        CertificateAuthority second = intermediate.newIntermediate(Duration.ofDays(7));

        WorkloadCertificate issued = second.issue(WEB, Duration.ofHours(1));

        assertThat(issued.chain()).hasSize(3);
        assertThat(issued.chain().subList(1, 3)).containsExactly(second.certificate(), intermediate.certificate());
        assertThat(issued.trustBundle().roots()).containsExactly(root.certificate());
        assertThat(second.root()).isEqualTo(root.certificate());
        issued.leaf().verify(second.certificate().getPublicKey());
        second.certificate().verify(intermediate.certificate().getPublicKey());
        intermediate.certificate().verify(root.certificate().getPublicKey());
        assertThat(intermediate.certificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(intermediate.certificate().getSubjectX500Principal())
                .isNotEqualTo(second.certificate().getSubjectX500Principal());
    }

    @Test
    void signsCsrsForRsaAndP384Keys() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);
        KeyPair rsa = KeyPairs.rsa(2048);
        KeyPair p384 = KeyPairs.ecP384();

        X509Certificate rsaLeaf = ca.sign(Csrs.create(WEB, rsa), WEB, Duration.ofHours(1)).getFirst();
        X509Certificate p384Leaf = ca.sign(Csrs.create(WEB, p384), WEB, Duration.ofHours(1)).getFirst();

        assertThat(rsaLeaf.getPublicKey()).isEqualTo(rsa.getPublic());
        assertThat(rsaLeaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(rsaLeaf.getKeyUsage()[2]).as("keyEncipherment for RSA").isTrue();
        assertThat(p384Leaf.getPublicKey()).isEqualTo(p384.getPublic());
    }

    @Test
    void refusesToSignOnceExpired() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofHours(1), clock);
        clock.advance(Duration.ofHours(2));

        assertThatThrownBy(() -> ca.issue(WEB, Duration.ofHours(1)))
                .isInstanceOf(CaConfigurationException.class)
                .hasMessageContaining("expired at 2026-01-10T13:00:00Z");
    }

    @Test
    void rejectsInvalidTrustDomainAndValidity() {
        assertThatThrownBy(() -> CertificateAuthority.selfSigned("Not Valid", Duration.ofDays(1), clock))
                .isInstanceOf(MalformedSpiffeIdException.class);
        assertThatThrownBy(() -> CertificateAuthority.selfSigned("td", Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
    }

    @Test
    void workloadCertificateDoesNotPrintItsKey() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock);
        WorkloadCertificate issued = ca.issue(WEB, Duration.ofHours(1));

        assertThat(issued.toString()).contains(WEB.uri()).doesNotContain("privateKey").doesNotContain("PRIVATE");
    }

    static byte[] subjectKeyId(X509Certificate certificate) {
        return org.bouncycastle.asn1.x509.SubjectKeyIdentifier.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(certificate.getExtensionValue("2.5.29.14"))
                        .getOctets()).getKeyIdentifier();
    }

    static byte[] authorityKeyId(X509Certificate certificate) {
        return org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(
                org.bouncycastle.asn1.ASN1OctetString.getInstance(certificate.getExtensionValue("2.5.29.35"))
                        .getOctets()).getKeyIdentifierOctets();
    }
}
