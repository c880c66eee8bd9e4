package io.trellis.identity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.jspecify.annotations.Nullable;

/**
 * Consistency checks for a plug-in CA read from files: the key fits the certificate, the
 * certificate may sign, the chain leads to a root of the bundle, and which trust domain it is for.
 * Every failure names the file the operator has to fix.
 */
final class CaChains {

    private static final int KEY_CERT_SIGN = 5;

    private CaChains() {}

    static void requireCaCertificate(X509Certificate certificate, Path source) {
        if (certificate.getBasicConstraints() < 0) {
            throw new CaConfigurationException(source + ": the first certificate ("
                    + certificate.getSubjectX500Principal().getName() + ") is not a CA certificate "
                    + "(basicConstraints CA=false); it cannot sign workload certificates");
        }
        boolean[] usage = certificate.getKeyUsage();
        if (usage != null && (usage.length <= KEY_CERT_SIGN || !usage[KEY_CERT_SIGN])) {
            throw new CaConfigurationException(source + ": the CA certificate ("
                    + certificate.getSubjectX500Principal().getName() + ") lacks keyUsage keyCertSign");
        }
    }

    /** Signs a probe with the key and checks it with the certificate: works for EC and RSA alike. */
    static void requireKeyMatches(PrivateKey key, X509Certificate certificate, Path keyFile, Path certFile) {
        byte[] probe = "trellis-ca-key-check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            String algorithm = SigningAlgorithm.forKey(key).jcaName();
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof CaConfigurationException c) {
                throw c;
            }
            matches = false;
        }
        if (!matches) {
            throw new CaConfigurationException(keyFile + " does not hold the private key of the first certificate in "
                    + certFile + " (" + certificate.getSubjectX500Principal().getName()
                    + "); are the key and certificate files from the same CA?");
        }
    }

    /** The chain with every certificate that is also a root of the bundle removed. */
    static List<X509Certificate> withoutRoots(List<X509Certificate> chain, Collection<X509Certificate> roots) {
        List<X509Certificate> result = new ArrayList<>();
        for (X509Certificate certificate : chain) {
            if (!roots.contains(certificate)) {
                result.add(certificate);
            }
        }
        return result;
    }

    /**
     * Checks each certificate of {@code issuerChain} is signed by the next and the last by a root;
     * returns that root (or the CA certificate itself when it is a root of the bundle).
     */
    static X509Certificate requireChainToRoot(X509Certificate certificate, List<X509Certificate> issuerChain,
            List<X509Certificate> roots, Path chainFile, Path rootFile) {
        if (issuerChain.isEmpty()) {
            return certificate;
        }
        for (int i = 0; i + 1 < issuerChain.size(); i++) {
            X509Certificate child = issuerChain.get(i);
            X509Certificate parent = issuerChain.get(i + 1);
            if (!signedBy(child, parent)) {
                throw new CaConfigurationException(chainFile + ": certificate " + (i + 1) + " ("
                        + child.getSubjectX500Principal().getName() + ") is not signed by certificate " + (i + 2)
                        + " (" + parent.getSubjectX500Principal().getName()
                        + "); the chain must run from the CA certificate towards the root");
            }
        }
        X509Certificate top = issuerChain.getLast();
        for (X509Certificate root : roots) {
            if (signedBy(top, root)) {
                return root;
            }
        }
        if (top.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
            throw new CaConfigurationException(chainFile + " ends in the self-signed certificate "
                    + top.getSubjectX500Principal().getName() + ", which is not in " + rootFile
                    + "; put that root into " + rootFile);
        }
        throw new CaConfigurationException("no root in " + rootFile + " signed the last certificate of "
                + chainFile + " (" + top.getSubjectX500Principal().getName() + ", issued by "
                + top.getIssuerX500Principal().getName() + "); is " + rootFile + " the right root?");
    }

    static Instant earliestNotAfter(List<X509Certificate> issuerChain, X509Certificate anchor) {
        Instant earliest = anchor.getNotAfter().toInstant();
        for (X509Certificate certificate : issuerChain) {
            Instant notAfter = certificate.getNotAfter().toInstant();
            if (notAfter.isBefore(earliest)) {
                earliest = notAfter;
            }
        }
        return earliest;
    }

    /**
     * The trust domain a CA certificate is for: its {@code spiffe://td} URI SAN (what Trellis writes,
     * and what the SPIFFE spec suggests for signing certificates), else its O= attribute (what
     * Istio-style plug-in CAs use).
     */
    static String trustDomainOf(X509Certificate certificate, Path source) {
        String fromSan = fromUriSan(certificate);
        if (fromSan != null) {
            return requireTrustDomain(fromSan, "URI SAN", source);
        }
        X500Name subject = CertificateTemplates.subjectOf(certificate);
        RDN[] organisations = subject.getRDNs(BCStyle.O);
        if (organisations.length == 1) {
            String organisation = IETFUtils.valueToString(organisations[0].getFirst().getValue());
            return requireTrustDomain(organisation, "O= attribute", source);
        }
        throw new CaConfigurationException(source + ": cannot tell the trust domain of the CA certificate "
                + certificate.getSubjectX500Principal().getName() + ": it has neither a spiffe:// URI SAN nor a "
                + "single O= attribute; pass the trust domain explicitly");
    }

    private static String requireTrustDomain(String candidate, String where, Path source) {
        try {
            return SpiffeId.requireValidTrustDomain(candidate);
        } catch (MalformedSpiffeIdException e) {
            throw new CaConfigurationException(source + ": the CA certificate's " + where + " '" + candidate
                    + "' is not a usable trust domain (" + e.getMessage() + "); pass the trust domain explicitly");
        }
    }

    private static @Nullable String fromUriSan(X509Certificate certificate) {
        try {
            if (certificate.getSubjectAlternativeNames() == null) {
                return null;
            }
            for (List<?> name : certificate.getSubjectAlternativeNames()) {
                if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0))
                        && name.get(1) instanceof String uri && uri.startsWith("spiffe://")) {
                    String rest = uri.substring("spiffe://".length());
                    int slash = rest.indexOf('/');
                    return slash < 0 ? rest : rest.substring(0, slash);
                }
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }

    private static boolean signedBy(X509Certificate child, X509Certificate parent) {
        try {
            child.verify(parent.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
