package io.trellis.identity;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate authority for one trust domain that signs X.509-SVIDs. Either a fresh self-signed
 * root, an intermediate signed by another CA, or a user-supplied ("plug-in") key and chain read
 * from PEM files. Immutable and thread-safe.
 */
public final class CertificateAuthority {

    /**
     * How far notBefore is set into the past. A freshly issued certificate is used at once, often
     * by a peer whose clock is a little ahead or behind ours; without backdating, a peer a few
     * seconds behind would reject it as "not yet valid". Five minutes covers ordinary NTP drift.
     */
    static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);

    private final String trustDomain;
    private final PrivateKey signingKey;
    /** The CA's own certificate, then its issuers up to but without the root; empty if it is a root. */
    private final List<X509Certificate> issuerChain;
    private final X509Certificate certificate;
    private final TrustBundle trustBundle;
    /** The root of the bundle that the chain leads to. */
    private final X509Certificate root;
    /** The earliest notAfter along the chain to the root: nothing signed can outlive it usefully. */
    private final Instant validUntil;
    private final Clock clock;
    private final SecureRandom random;

    private CertificateAuthority(String trustDomain, PrivateKey signingKey, X509Certificate certificate,
            List<X509Certificate> issuerChain, TrustBundle trustBundle, X509Certificate root, Instant validUntil,
            Clock clock, SecureRandom random) {
        this.trustDomain = trustDomain;
        this.signingKey = signingKey;
        this.certificate = certificate;
        this.issuerChain = List.copyOf(issuerChain);
        this.trustBundle = trustBundle;
        this.root = root;
        this.validUntil = validUntil;
        this.clock = clock;
        this.random = random;
    }

    /** A new root CA with an ECDSA P-256 key, valid for {@code validity} from now. */
    public static CertificateAuthority selfSigned(String trustDomain, Duration validity, Clock clock) {
        SpiffeId.requireValidTrustDomain(trustDomain);
        requirePositive(validity, "CA validity");
        SecureRandom random = new SecureRandom();
        KeyPair keys = KeyPairs.ecP256();
        Instant now = clock.instant();
        X509Certificate root = CertificateTemplates.selfSignedRoot(trustDomain, keys.getPublic(), keys.getPrivate(),
                wholeSeconds(now.minus(CLOCK_SKEW_ALLOWANCE)), wholeSeconds(now.plus(validity)), random);
        log.info("event=ca_root_created trust_domain={} not_after={}", trustDomain, root.getNotAfter().toInstant());
        return new CertificateAuthority(trustDomain, keys.getPrivate(), root, List.of(),
                new TrustBundle(trustDomain, List.of(root)), root, root.getNotAfter().toInstant(), clock, random);
    }

    /**
     * A plug-in CA: the signing key, its certificate chain (the CA's certificate first, then its
     * issuers; the root may be included or not) and the root bundle. The trust domain is taken
     * from the CA certificate: its {@code spiffe://<trust-domain>} URI SAN, else its O= attribute.
     */
    public static CertificateAuthority fromPem(Path caKey, Path caCertChain, Path rootBundle, Clock clock) {
        List<X509Certificate> chain = PemFiles.readCertificates(caCertChain);
        String trustDomain = CaChains.trustDomainOf(chain.getFirst(), caCertChain);
        return fromPem(caKey, caCertChain, rootBundle, trustDomain, clock);
    }

    /** Like {@link #fromPem(Path, Path, Path, Clock)} with an explicit trust domain. */
    public static CertificateAuthority fromPem(Path caKey, Path caCertChain, Path rootBundle, String trustDomain,
            Clock clock) {
        SpiffeId.requireValidTrustDomain(trustDomain);
        PrivateKey key = PemFiles.readPrivateKey(caKey);
        List<X509Certificate> chain = PemFiles.readCertificates(caCertChain);
        List<X509Certificate> roots = PemFiles.readCertificates(rootBundle);
        X509Certificate certificate = chain.getFirst();
        CaChains.requireCaCertificate(certificate, caCertChain);
        CaChains.requireKeyMatches(key, certificate, caKey, caCertChain);
        List<X509Certificate> issuerChain = CaChains.withoutRoots(chain, roots);
        X509Certificate anchor = CaChains.requireChainToRoot(certificate, issuerChain, roots, caCertChain, rootBundle);
        Instant validUntil = CaChains.earliestNotAfter(issuerChain, anchor);
        Instant now = clock.instant();
        if (!validUntil.isAfter(now)) {
            throw new CaConfigurationException("the CA chain in " + caCertChain + " expired at " + validUntil
                    + " (now " + now + "); rotate the plug-in CA certificates");
        }
        log.info("event=ca_loaded trust_domain={} subject=\"{}\" chain_length={} not_after={}", trustDomain,
                certificate.getSubjectX500Principal().getName(), issuerChain.size(), validUntil);
        return new CertificateAuthority(trustDomain, key, certificate, issuerChain,
                new TrustBundle(trustDomain, roots), anchor, validUntil, clock, new SecureRandom());
    }

    /** A new intermediate CA (ECDSA P-256) signed by this one, valid for {@code validity} or until this CA expires. */
    public CertificateAuthority newIntermediate(Duration validity) {
        requirePositive(validity, "intermediate CA validity");
        Instant now = requireUsable();
        KeyPair keys = KeyPairs.ecP256();
        Instant notAfter = earliest(wholeSeconds(now.plus(validity)), validUntil);
        X509Certificate intermediate = CertificateTemplates.intermediate(trustDomain, certificate, signingKey,
                keys.getPublic(), notBefore(now), notAfter, random);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(intermediate);
        chain.addAll(issuerChain);
        log.info("event=ca_intermediate_created trust_domain={} subject=\"{}\" not_after={}", trustDomain,
                intermediate.getSubjectX500Principal().getName(), notAfter);
        return new CertificateAuthority(trustDomain, keys.getPrivate(), intermediate, chain, trustBundle, root,
                notAfter, clock, random);
    }

    /**
     * Signs a DER PKCS#10 CSR into an X.509-SVID for {@code requested}. Returns the leaf followed by
     * this CA's intermediates (no root). Validity is {@code ttl}, cut short to this CA's own end.
     *
     * @throws CsrRejectedException if the CSR is malformed, badly signed, has a weak key, names
     *     another identity, or {@code requested} is outside this CA's trust domain
     */
    public List<X509Certificate> sign(byte[] csrDer, SpiffeId requested, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new CsrRejectedException("the requested ttl " + ttl + " must be positive");
        }
        PublicKey key = CsrValidator.validate(csrDer, requested, trustDomain);
        Instant now = requireUsable();
        Instant notAfter = earliest(wholeSeconds(now.plus(ttl)), validUntil);
        X509Certificate leaf = CertificateTemplates.leaf(requested, key, certificate, signingKey, notBefore(now),
                notAfter, CertificateTemplates.serial(random));
        log.info("event=svid_issued id={} serial={} not_after={} ttl_capped={}", requested,
                leaf.getSerialNumber().toString(16), notAfter, notAfter.isBefore(wholeSeconds(now.plus(ttl))));
        List<X509Certificate> result = new ArrayList<>(1 + issuerChain.size());
        result.add(leaf);
        result.addAll(issuerChain);
        return List.copyOf(result);
    }

    /** Generates a P-256 key, a CSR and signs it: a complete workload certificate in one call. */
    public WorkloadCertificate issue(SpiffeId id, Duration ttl) {
        KeyPair keys = KeyPairs.ecP256();
        List<X509Certificate> chain = sign(Csrs.create(id, keys), id, ttl);
        return new WorkloadCertificate(id, keys.getPrivate(), chain, trustBundle);
    }

    /** The roots that verify what this CA signs. */
    public TrustBundle trustBundle() {
        return trustBundle;
    }

    /** The trust domain this CA signs for. */
    public String trustDomain() {
        return trustDomain;
    }

    /** The CA's own certificate (the issuer of the leaves it signs). */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA's certificate followed by its issuers, without the root; empty when the CA is a root itself. */
    public List<X509Certificate> intermediates() {
        return issuerChain;
    }

    /** The root certificate this CA's chain leads to (one of {@link #trustBundle()}'s roots). */
    public X509Certificate root() {
        return root;
    }

    /** The end of this CA's usable life (the earliest notAfter on its chain to the root). */
    public Instant notAfter() {
        return validUntil;
    }

    /** For {@link CaDirectory}, which persists the CA; never handed out publicly. */
    PrivateKey signingKey() {
        return signingKey;
    }

    private Instant requireUsable() {
        Instant now = clock.instant();
        if (!validUntil.isAfter(now)) {
            throw new CaConfigurationException("the CA for " + trustDomain + " expired at " + validUntil
                    + " (now " + now + "); rotate the CA certificate");
        }
        return now;
    }

    /** Backdated for clock skew (see {@link #CLOCK_SKEW_ALLOWANCE}), but not before the CA itself became valid. */
    private Instant notBefore(Instant now) {
        Instant backdated = wholeSeconds(now.minus(CLOCK_SKEW_ALLOWANCE));
        Instant caStart = certificate.getNotBefore().toInstant();
        return backdated.isBefore(caStart) ? caStart : backdated;
    }

    /** X.509 times have whole seconds; truncating first keeps what we compute and what the certificate says equal. */
    private static Instant wholeSeconds(Instant instant) {
        return instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private static Instant earliest(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static void requirePositive(Duration duration, String what) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + duration);
        }
    }

    @Override
    public String toString() {
        return "CertificateAuthority[trustDomain=" + trustDomain + ", subject="
                + certificate.getSubjectX500Principal().getName() + ", notAfter=" + validUntil + "]";
    }
}
