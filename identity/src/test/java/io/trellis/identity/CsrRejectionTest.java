package io.trellis.identity;

import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

class CsrRejectionTest {

    private static final SpiffeId WEB = SpiffeId.of("cluster.local", "default", "web");

    private final MutableClock clock = MutableClock.at("2026-01-10T12:00:00Z");
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);

    @Test
    void rejectsBytesThatAreNotDer() {
        assertRejected(new byte[] {1, 2, 3, 4}, WEB, "not a DER-encoded PKCS#10 request");
        assertRejected("-----BEGIN CERTIFICATE REQUEST-----".getBytes(), WEB, "not a DER-encoded PKCS#10 request");
        assertRejected(new byte[0], WEB, "the CSR is empty");
    }

    @Test
    void rejectsTruncatedDer() {
        byte[] csr = Csrs.create(WEB, KeyPairs.ecP256());

        assertRejected(Arrays.copyOf(csr, csr.length / 2), WEB, "not a DER-encoded PKCS#10 request");
    }

    @Test
    void rejectsOversizedRequests() {
        assertRejected(new byte[CsrValidator.MAX_CSR_BYTES + 1], WEB, "the limit is 65536");
    }

    @Test
    void rejectsABadSignature() {
        byte[] csr = Csrs.create(WEB, KeyPairs.ecP256());
        // The last bytes are the tail of the ECDSA signature's S value.
        csr[csr.length - 2] ^= 0x55;

        assertRejected(csr, WEB, "signature does not verify");
    }

    @Test
    void rejectsACsrSignedWithAnotherKey() throws Exception {
        KeyPair claimed = KeyPairs.ecP256();
        KeyPair other = KeyPairs.ecP256();
        byte[] csr = new JcaPKCS10CertificationRequestBuilder(new X500Name(""), claimed.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(other.getPrivate()))
                .getEncoded();

        assertRejected(csr, WEB, "signature does not verify");
    }

    @Test
    void rejectsAnIdOfAnotherTrustDomain() {
        SpiffeId foreign = SpiffeId.of("evil.example", "default", "web");

        assertRejected(Csrs.create(foreign, KeyPairs.ecP256()), foreign,
                "is in trust domain evil.example, but this CA signs only for trust domain cluster.local");
    }

    @Test
    void rejectsACsrWhoseSanNamesAnotherIdentity() {
        SpiffeId admin = SpiffeId.of("cluster.local", "kube-system", "admin");

        assertRejected(Csrs.create(admin, KeyPairs.ecP256()), WEB,
                "URI SAN spiffe://cluster.local/ns/kube-system/sa/admin does not match the requested identity "
                        + WEB);
    }

    @Test
    void rejectsACsrWithTwoUriSans() throws Exception {
        KeyPair keys = KeyPairs.ecP256();
        GeneralNames names = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.uniformResourceIdentifier, WEB.uri()),
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://cluster.local/ns/default/sa/db")});
        byte[] csr = csr(keys, "SHA256withECDSA", names);

        assertRejected(csr, WEB, "asks for 2 URI SANs");
    }

    @Test
    void acceptsACsrWithoutUriSanAndIssuesTheRequestedId() throws Exception {
        KeyPair keys = KeyPairs.ecP256();
        byte[] plain = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web"), keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
                .getEncoded();

        assertThat(ca.sign(plain, WEB, Duration.ofHours(1)).getFirst().getSubjectAlternativeNames())
                .containsExactly(java.util.List.of(6, WEB.uri()));
    }

    @Test
    void ignoresEverythingElseTheCsrAsksFor() throws Exception {
        KeyPair keys = KeyPairs.ecP256();
        Extensions greedy = new Extensions(new Extension[] {
                new Extension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.uniformResourceIdentifier, WEB.uri()),
                        new GeneralName(GeneralName.dNSName, "bank.example")}).getEncoded()),
                new Extension(Extension.basicConstraints, true,
                        new org.bouncycastle.asn1.x509.BasicConstraints(true).getEncoded())});
        byte[] csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=root,O=cluster.local"), keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, greedy)
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
                .getEncoded();

        java.security.cert.X509Certificate leaf = ca.sign(csr, WEB, Duration.ofHours(1)).getFirst();

        assertThat(leaf.getBasicConstraints()).as("CA=false despite the request").isEqualTo(-1);
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(java.util.List.of(6, WEB.uri()));
        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
    }

    @Test
    void rejectsWeakRsaKeys() {
        assertRejected(Csrs.create(WEB, KeyPairs.rsa(1024)), WEB, "RSA key has 1024 bits, which is too weak");
    }

    @Test
    void rejectsEcCurvesOtherThanP256AndP384() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp521r1"));

        assertRejected(Csrs.create(WEB, generator.generateKeyPair()), WEB, "curve secp521r1");
    }

    @Test
    void rejectsOtherKeyAlgorithms() throws Exception {
        KeyPair ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] csr = csr(ed25519, "Ed25519",
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, WEB.uri())));

        assertRejected(csr, WEB, "key algorithm 1.3.101.112 is not supported");
    }

    @Test
    void pemCsrsRoundTripAndBadPemIsRejected() {
        byte[] der = Csrs.create(WEB, KeyPairs.ecP256());
        String pem = Csrs.toPem(der);

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(Csrs.fromPem(pem)).isEqualTo(der);
        assertThat(ca.sign(Csrs.fromPem(pem), WEB, Duration.ofHours(1))).hasSize(1);
        assertThatThrownBy(() -> Csrs.fromPem("hello"))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("no PEM block found");
        assertThatThrownBy(() -> Csrs.fromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(CsrRejectedException.class).hasMessageContaining("but found CERTIFICATE");
        assertThatThrownBy(() -> Csrs.fromPem("-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n"))
                .isInstanceOf(CsrRejectedException.class);
    }

    @Test
    void rejectsANonPositiveTtl() {
        byte[] csr = Csrs.create(WEB, KeyPairs.ecP256());

        assertThatThrownBy(() -> ca.sign(csr, WEB, Duration.ZERO))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining("must be positive");
    }

    @Test
    void randomGarbageNeverEscapesAsAnythingButARejection() {
        java.util.Random random = new java.util.Random(42);
        byte[] valid = Csrs.create(WEB, KeyPairs.ecP256());
        for (int i = 0; i < 300; i++) {
            byte[] mutated = valid.clone();
            for (int flips = 0; flips < 1 + random.nextInt(4); flips++) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            try {
                ca.sign(mutated, WEB, Duration.ofHours(1));
            } catch (CsrRejectedException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    private void assertRejected(byte[] csr, SpiffeId requested, String reason) {
        assertThatThrownBy(() -> ca.sign(csr, requested, Duration.ofHours(1)))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessageContaining(reason);
    }

    private static byte[] csr(KeyPair keys, String algorithm, GeneralNames names) throws Exception {
        Extensions extensions = new Extensions(new Extension(Extension.subjectAlternativeName, true,
                names.getEncoded()));
        return new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions)
                .build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate()))
                .getEncoded();
    }
}
