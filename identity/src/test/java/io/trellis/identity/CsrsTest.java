package io.trellis.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/** The JDK-only CSR encoder against Bouncy Castle's reading and building of the same request. */
class CsrsTest {

    private static final SpiffeId WEB = SpiffeId.parse("spiffe://cluster.local/ns/default/sa/web");

    @Test
    void encodesWhatBouncyCastleBuildsForEveryKeyKind() throws Exception {
        for (KeyPair keys : List.of(KeyPairs.ecP256(), KeyPairs.ecP384(), KeyPairs.rsa(2048))) {
            PKCS10CertificationRequest ours = new PKCS10CertificationRequest(Csrs.create(WEB, keys));
            PKCS10CertificationRequest theirs = bouncyCastleCsr(keys);

            assertThat(ours.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER))
                    .as("the signed part, %s", keys.getPrivate().getAlgorithm())
                    .isEqualTo(theirs.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER));
            assertThat(ours.getSignatureAlgorithm()).isEqualTo(theirs.getSignatureAlgorithm());
            assertThat(ours.isSignatureValid(new JcaContentVerifierProviderBuilder().build(keys.getPublic())))
                    .as("signature").isTrue();
        }
    }

    @Test
    void theCaAcceptsItAndReadsTheIdentity() {
        KeyPair keys = KeyPairs.ecP256();
        byte[] csr = Csrs.create(WEB, keys);

        assertThat(CsrValidator.validate(csr, WEB, "cluster.local")).isEqualTo(keys.getPublic());
    }

    @Test
    void roundTripsThroughPem() {
        byte[] csr = Csrs.create(WEB, KeyPairs.ecP256());
        String pem = Csrs.toPem(csr);

        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n")
                .endsWith("\n-----END CERTIFICATE REQUEST-----\n");
        assertThat(pem.lines().filter(l -> !l.startsWith("-----"))).allMatch(l -> l.length() <= 64);
        assertThat(Csrs.fromPem(pem)).isEqualTo(csr);
        assertThat(Csrs.fromPem(pem.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"))).isEqualTo(csr);
    }

    @Test
    void rejectsPemThatIsNoCsr() {
        assertThatThrownBy(() -> Csrs.fromPem("hello"))
                .isInstanceOf(CsrRejectedException.class).hasMessage("no PEM block found in the CSR text");
        assertThatThrownBy(() -> Csrs.fromPem(Pem.encode("CERTIFICATE", new byte[] {1, 2, 3})))
                .isInstanceOf(CsrRejectedException.class)
                .hasMessage("expected a PEM CERTIFICATE REQUEST but found CERTIFICATE");
        assertThatThrownBy(() -> Csrs.fromPem("-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n"
                + "-----END CERTIFICATE REQUEST-----\n"))
                .isInstanceOf(CsrRejectedException.class).hasMessageStartingWith("the CSR is not valid PEM: ")
                .hasMessageContaining("not valid base64");
    }

    private static PKCS10CertificationRequest bouncyCastleCsr(KeyPair keys) throws Exception {
        GeneralNames san = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, WEB.uri()));
        Extensions requested = new Extensions(new Extension(Extension.subjectAlternativeName, true, san.getEncoded()));
        return new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                keys.getPublic())
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, requested)
                .build(new JcaContentSignerBuilder(SigningAlgorithm.forKey(keys.getPrivate()).jcaName())
                        .build(keys.getPrivate()));
    }
}
