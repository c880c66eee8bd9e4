package io.trellis.identity;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Checks an untrusted PKCS#10 CSR before the CA signs it: well-formed DER, a strong enough key,
 * a signature made with that key (proof of possession), and a URI SAN, if any, equal to the
 * requested identity. Every refusal is a {@link CsrRejectedException} whose message the requester
 * can act on; nothing else escapes, whatever the bytes.
 *
 * <p>Only the key, the signature and the URI SAN of a CSR matter. Its subject and every other
 * requested extension (DNS names, CA=true, key usages) are ignored, not honoured: the SVID profile
 * is fixed by the CA, so a workload cannot ask its way to a signing certificate.
 */
final class CsrValidator {

    /** Real CSRs are well under 2 KiB; the cap keeps a hostile request from costing the CA much work. */
    static final int MAX_CSR_BYTES = 64 * 1024;
    static final int MIN_RSA_BITS = 2048;

    private CsrValidator() {}

    /** The key to certify, once every check passed. */
    static PublicKey validate(byte[] der, SpiffeId requested, String caTrustDomain) {
        if (!requested.trustDomain().equals(caTrustDomain)) {
            throw new CsrRejectedException("requested identity " + requested + " is in trust domain "
                    + requested.trustDomain() + ", but this CA signs only for trust domain " + caTrustDomain);
        }
        if (der.length == 0) {
            throw new CsrRejectedException("the CSR is empty");
        }
        if (der.length > MAX_CSR_BYTES) {
            throw new CsrRejectedException("the CSR is " + der.length + " bytes; the limit is " + MAX_CSR_BYTES);
        }
        PKCS10CertificationRequest csr = parse(der);
        PublicKey key = checkedKey(csr.getSubjectPublicKeyInfo());
        checkSignature(csr, key);
        checkUriSan(csr, requested);
        return key;
    }

    private static PKCS10CertificationRequest parse(byte[] der) {
        try {
            return new PKCS10CertificationRequest(der);
        } catch (Exception e) {
            // Bouncy Castle signals garbage with IOException or several runtime exceptions
            // (IllegalArgumentException, ClassCastException, ...); all mean the same to the requester.
            throw new CsrRejectedException("the CSR is not a DER-encoded PKCS#10 request: " + e.getMessage(), e);
        }
    }

    private static PublicKey checkedKey(SubjectPublicKeyInfo info) {
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            Object params = info.getAlgorithm().getParameters();
            if (!(params instanceof ASN1ObjectIdentifier curve)) {
                throw new CsrRejectedException("the CSR's EC key uses explicit curve parameters; "
                        + "use the named curve P-256 (or P-384)");
            }
            if (!curve.equals(SECObjectIdentifiers.secp256r1) && !curve.equals(SECObjectIdentifiers.secp384r1)) {
                throw new CsrRejectedException("the CSR's EC key is on curve " + curveName(curve)
                        + ", which this CA does not accept; use P-256 (or P-384)");
            }
            return toJca("EC", info);
        }
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            RSAPublicKey rsa = (RSAPublicKey) toJca("RSA", info);
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new CsrRejectedException("the CSR's RSA key has " + bits + " bits, which is too weak; "
                        + "use at least " + MIN_RSA_BITS + " bits (or ECDSA P-256)");
            }
            return rsa;
        }
        throw new CsrRejectedException("the CSR's key algorithm " + algorithm.getId()
                + " is not supported; use ECDSA P-256 (or P-384, or RSA >= " + MIN_RSA_BITS + " bits)");
    }

    private static String curveName(ASN1ObjectIdentifier curve) {
        String name = org.bouncycastle.asn1.x9.ECNamedCurveTable.getName(curve);
        return name == null ? curve.getId() : name + " (" + curve.getId() + ")";
    }

    private static PublicKey toJca(String algorithm, SubjectPublicKeyInfo info) {
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (Exception e) {
            throw new CsrRejectedException("the CSR's " + algorithm + " public key cannot be decoded: "
                    + e.getMessage(), e);
        }
    }

    private static void checkSignature(PKCS10CertificationRequest csr, PublicKey key) {
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (Exception e) {
            throw new CsrRejectedException("the CSR's signature cannot be checked ("
                    + csr.getSignatureAlgorithm().getAlgorithm().getId() + "): " + e.getMessage(), e);
        }
        if (!valid) {
            throw new CsrRejectedException("the CSR's signature does not verify with the key it carries; "
                    + "the request was altered or signed with another key");
        }
    }

    private static void checkUriSan(PKCS10CertificationRequest csr, SpiffeId requested) {
        List<String> uris = new ArrayList<>();
        try {
            Extensions extensions = csr.getRequestedExtensions();
            GeneralNames names = extensions == null ? null
                    : GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
            if (names != null) {
                for (GeneralName name : names.getNames()) {
                    if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                        uris.add(name.getName().toString());
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new CsrRejectedException("the CSR's requested extensions are malformed: " + e.getMessage(), e);
        }
        if (uris.size() > 1) {
            throw new CsrRejectedException("the CSR asks for " + uris.size() + " URI SANs " + uris
                    + "; an X509-SVID carries exactly one");
        }
        if (uris.size() == 1 && !uris.getFirst().equals(requested.uri())) {
            throw new CsrRejectedException("the CSR's URI SAN " + uris.getFirst()
                    + " does not match the requested identity " + requested);
        }
    }
}
