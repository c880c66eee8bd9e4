package io.trellis.identity;

import io.trellis.identity.PeerVerificationException.Reason;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies the certificate chain a peer presented (leaf first) the way the SPIFFE X509-SVID spec
 * asks: PKIX path to a root of the trust bundle at the injected clock's time (revocation off: SVIDs
 * are short-lived instead), a leaf with CA=false and exactly one URI SAN, a SPIFFE id in the bundle's
 * trust domain, and optionally an expected identity. No hostname verification: the identity is the
 * URI SAN. Thread-safe; build one per bundle and reuse it.
 */
public final class SvidVerifier {

    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;
    private static final int URI_NAME = 6;

    private final TrustBundle bundle;
    private final Clock clock;
    private final Set<TrustAnchor> anchors;

    /** Verifies against {@code bundle}'s roots at {@code clock}'s time. */
    public SvidVerifier(TrustBundle bundle, Clock clock) {
        this.bundle = bundle;
        this.clock = clock;
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate root : bundle.roots()) {
            anchors.add(new TrustAnchor(root, null));
        }
        this.anchors = Set.copyOf(anchors);
    }

    /** The bundle this verifier trusts. */
    public TrustBundle trustBundle() {
        return bundle;
    }

    /**
     * Returns the peer's SPIFFE id if the chain is a valid X509-SVID of the bundle's trust domain.
     *
     * @throws PeerVerificationException saying what is wrong and what to look at
     */
    public SpiffeId verify(List<X509Certificate> peerChain) {
        if (peerChain.isEmpty()) {
            throw new PeerVerificationException(Reason.NO_CERTIFICATE,
                    "peer presented no certificate; is it configured for mutual TLS?");
        }
        X509Certificate leaf = peerChain.getFirst();
        requireLeaf(leaf);
        SpiffeId id = identityOf(leaf);
        if (!id.trustDomain().equals(bundle.trustDomain())) {
            throw new PeerVerificationException(Reason.FOREIGN_TRUST_DOMAIN, "peer identity " + id
                    + " is in trust domain " + id.trustDomain() + ", not in the trusted trust domain "
                    + bundle.trustDomain() + "; is the peer part of another mesh?");
        }
        Instant now = clock.instant();
        requireCurrent(leaf, true, id, now);
        requirePathToRoot(leaf, peerChain, id, now);
        return id;
    }

    /** Like {@link #verify(List)}, and the peer's id must equal {@code expected}. */
    public SpiffeId verify(List<X509Certificate> peerChain, SpiffeId expected) {
        SpiffeId id = verify(peerChain);
        if (!id.equals(expected)) {
            throw new PeerVerificationException(Reason.UNEXPECTED_IDENTITY, "peer identity " + id
                    + " is not the expected " + expected
                    + "; is the destination's address mapped to the wrong workload, or is something else listening there?");
        }
        return id;
    }

    private static void requireLeaf(X509Certificate leaf) {
        if (leaf.getBasicConstraints() >= 0) {
            throw new PeerVerificationException(Reason.NOT_A_LEAF, "peer presented a CA certificate ("
                    + leaf.getSubjectX500Principal().getName() + ", CA=true) as its own; an X509-SVID must have "
                    + "CA=false, so the peer is misconfigured");
        }
        boolean[] usage = leaf.getKeyUsage();
        if (usage != null && ((usage.length > KEY_CERT_SIGN && usage[KEY_CERT_SIGN])
                || (usage.length > CRL_SIGN && usage[CRL_SIGN]))) {
            throw new PeerVerificationException(Reason.NOT_A_LEAF, "peer certificate may sign certificates or CRLs "
                    + "(keyUsage keyCertSign/cRLSign); an X509-SVID leaf must not");
        }
    }

    private static SpiffeId identityOf(X509Certificate leaf) {
        List<String> uris = new ArrayList<>();
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (name.size() == 2 && Integer.valueOf(URI_NAME).equals(name.get(0))
                            && name.get(1) instanceof String uri) {
                        uris.add(uri);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new PeerVerificationException(Reason.BAD_IDENTITY,
                    "peer certificate's subject alternative names cannot be parsed: " + e.getMessage(), e);
        }
        if (uris.size() != 1) {
            throw new PeerVerificationException(Reason.BAD_IDENTITY, "peer certificate has " + uris.size()
                    + " URI SANs " + uris + "; an X509-SVID has exactly one (its SPIFFE id)");
        }
        try {
            return SpiffeId.parse(uris.getFirst());
        } catch (MalformedSpiffeIdException e) {
            throw new PeerVerificationException(Reason.BAD_IDENTITY,
                    "peer certificate's URI SAN is not a Trellis SPIFFE id: " + e.getMessage(), e);
        }
    }

    private static void requireCurrent(X509Certificate certificate, boolean isLeaf, SpiffeId id, Instant now) {
        String which = isLeaf ? "peer certificate (" + id + ")"
                : "intermediate CA certificate " + certificate.getSubjectX500Principal().getName() + " in the peer's chain";
        Instant notAfter = certificate.getNotAfter().toInstant();
        Instant notBefore = certificate.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            throw new PeerVerificationException(Reason.EXPIRED, which + " expired at " + notAfter + " (now " + now
                    + "); is the peer's clock or its certificate rotation broken?");
        }
        if (now.isBefore(notBefore)) {
            throw new PeerVerificationException(Reason.NOT_YET_VALID, which + " is not valid until " + notBefore
                    + " (now " + now + "); is this host's clock behind, or the CA's ahead?");
        }
    }

    private void requirePathToRoot(X509Certificate leaf, List<X509Certificate> chain, SpiffeId id, Instant now) {
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            // SVIDs are short-lived and rotated; SPIFFE deployments do not publish CRLs or OCSP.
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(now));
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(chain)));
            CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (CertPathBuilderException e) {
            // Path building only says "no path"; an out-of-date intermediate is the likely cause
            // worth naming. Extra certificates are checked only here, after the fact, so an
            // irrelevant expired certificate the peer happens to send does not fail a good path.
            for (X509Certificate certificate : chain.subList(1, chain.size())) {
                requireCurrent(certificate, false, id, now);
            }
            throw new PeerVerificationException(Reason.UNTRUSTED, "peer certificate (" + id
                    + ") does not chain to a trusted root of trust domain " + bundle.trustDomain() + " ("
                    + e.getMessage() + "); is the peer using another CA, or is this trust bundle out of date?", e);
        } catch (InvalidAlgorithmParameterException | NoSuchAlgorithmException e) {
            // The JDK always ships PKIX and the Collection store; the bundle is non-empty by construction.
            throw new IllegalStateException("PKIX path building unavailable", e);
        }
    }
}
