package io.trellis.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The three certificate shapes the CA mints: a self-signed root, an intermediate, and an
 * X.509-SVID leaf (SPIFFE X509-SVID spec, section 4). Pure functions of their inputs.
 */
final class CertificateTemplates {

    private CertificateTemplates() {}

    /** CA name: O=trust domain (what Istio-style tooling shows), CN saying which CA it is. */
    static X500Name caName(String trustDomain, String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, trustDomain)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    static X509Certificate selfSignedRoot(String trustDomain, PublicKey publicKey, PrivateKey privateKey,
            Instant notBefore, Instant notAfter, SecureRandom random) {
        X500Name name = caName(trustDomain, "Trellis Root CA");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(random),
                Date.from(notBefore), Date.from(notAfter), name, publicKey);
        try {
            addCaExtensions(builder, trustDomain, publicKey);
            return sign(builder, privateKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the root certificate for " + trustDomain, e);
        }
    }

    static X509Certificate intermediate(String trustDomain, X509Certificate issuer, PrivateKey issuerKey,
            PublicKey publicKey, Instant notBefore, Instant notAfter, SecureRandom random) {
        BigInteger serial = serial(random);
        // The serial in the CN keeps several intermediates of one root distinguishable by subject,
        // which path building matches issuer names against.
        X500Name name = caName(trustDomain, "Trellis Intermediate CA " + serial.toString(16).substring(0, 8));
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subjectOf(issuer), serial,
                Date.from(notBefore), Date.from(notAfter), name, publicKey);
        try {
            addCaExtensions(builder, trustDomain, publicKey);
            builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(issuer));
            return sign(builder, issuerKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build an intermediate certificate for " + trustDomain, e);
        }
    }

    /**
     * An X.509-SVID: empty subject, the id as the only and critical URI SAN, CA=false (critical),
     * keyUsage digitalSignature (+keyEncipherment for RSA, which TLS 1.2 RSA key exchange needs),
     * extendedKeyUsage serverAuth+clientAuth (the same SVID serves both ends of mTLS), SKI and AKI.
     */
    static X509Certificate leaf(SpiffeId id, PublicKey publicKey, X509Certificate issuer, PrivateKey issuerKey,
            Instant notBefore, Instant notAfter, BigInteger serial) {
        X500Name emptySubject = new X500Name(new RDN[0]);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subjectOf(issuer), serial,
                Date.from(notBefore), Date.from(notAfter), emptySubject, publicKey);
        int usage = KeyUsage.digitalSignature;
        if (publicKey instanceof RSAPublicKey) {
            usage |= KeyUsage.keyEncipherment;
        }
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(issuer));
            // Critical because the subject is empty (RFC 5280 section 4.2.1.6).
            builder.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
            return sign(builder, issuerKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the certificate for " + id, e);
        }
    }

    /** 128 random bits, positive and non-zero (RFC 5280 4.1.2.2; CA/B forum asks for >= 64 random bits). */
    static BigInteger serial(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(128, random);
        } while (serial.signum() == 0);
        return serial;
    }

    static X500Name subjectOf(X509Certificate certificate) {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private static void addCaExtensions(X509v3CertificateBuilder builder, String trustDomain, PublicKey publicKey)
            throws IOException, GeneralSecurityException {
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
        // The SPIFFE X509-SVID spec lets signing certificates carry the trust domain's own id; it
        // also lets a plug-in CA loaded from PEM files tell its trust domain without a flag.
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
    }

    /** Key-id-only AKI: the issuer's SKI when it has one, otherwise the SHA-1 of its public key. */
    private static AuthorityKeyIdentifier authorityKeyId(X509Certificate issuer) throws GeneralSecurityException {
        org.bouncycastle.asn1.x509.Extensions extensions = new JcaX509CertificateHolder(issuer).getExtensions();
        SubjectKeyIdentifier ski = extensions == null ? null : SubjectKeyIdentifier.fromExtensions(extensions);
        if (ski != null) {
            return new AuthorityKeyIdentifier(ski.getKeyIdentifier());
        }
        return new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws CertificateEncodingException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(builder.build(SignatureAlgorithms.signer(key)));
    }
}
