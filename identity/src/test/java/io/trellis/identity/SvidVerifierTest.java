package io.trellis.identity;

import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.identity.PeerVerificationException.Reason;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class SvidVerifierTest {

    private static final SpiffeId WEB = SpiffeId.of("cluster.local", "default", "web");
    private static final SpiffeId DB = SpiffeId.of("cluster.local", "default", "db");

    private final MutableClock clock = MutableClock.at("2026-01-10T12:00:00Z");
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);
    private final SvidVerifier verifier = new SvidVerifier(ca.trustBundle(), clock);

    @Test
    void acceptsAnIssuedSvidAndReturnsItsId() {
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(24));

        assertThat(verifier.verify(web.chain())).isEqualTo(WEB);
        assertThat(verifier.verify(web.chain(), WEB)).isEqualTo(WEB);
    }

    @Test
    void acceptsAChainThroughIntermediates() {
        CertificateAuthority intermediate = ca.newIntermediate(Duration.ofDays(30)).newIntermediate(Duration.ofDays(7));
        WorkloadCertificate web = intermediate.issue(WEB, Duration.ofHours(24));

        assertThat(web.chain()).hasSize(3);
        assertThat(verifier.verify(web.chain(), WEB)).isEqualTo(WEB);
    }

    @Test
    void rejectsAChainMissingItsIntermediate() {
        CertificateAuthority intermediate = ca.newIntermediate(Duration.ofDays(30));
        WorkloadCertificate web = intermediate.issue(WEB, Duration.ofHours(24));

        assertFails(List.of(web.leaf()), Reason.UNTRUSTED,
                "does not chain to a trusted root of trust domain cluster.local");
    }

    @Test
    void rejectsAnExpiredCertificateSayingWhen() {
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));
        clock.advance(Duration.ofHours(2));

        assertFails(web.chain(), Reason.EXPIRED, "peer certificate (" + WEB + ") expired at 2026-01-10T13:00:00Z "
                + "(now 2026-01-10T14:00:00Z); is the peer's clock or its certificate rotation broken?");
    }

    @Test
    void rejectsACertificateThatIsNotYetValid() {
        MutableClock behind = MutableClock.at("2026-01-10T11:00:00Z");
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));

        assertThatThrownBy(() -> new SvidVerifier(ca.trustBundle(), behind).verify(web.chain()))
                .isInstanceOfSatisfying(PeerVerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_YET_VALID))
                .hasMessageContaining("is not valid until 2026-01-10T11:55:00Z (now 2026-01-10T11:00:00Z)");
    }

    @Test
    void toleratesPeerClocksALittleBehindThanksToBackdating() {
        clock.advance(Duration.ofHours(1));
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));
        MutableClock twoMinutesBehind = new MutableClock(clock.instant().minus(Duration.ofMinutes(2)));

        assertThat(new SvidVerifier(ca.trustBundle(), twoMinutesBehind).verify(web.chain())).isEqualTo(WEB);
    }

    @Test
    void rejectsAnExpiredIntermediate() throws Exception {
        CertificateAuthority intermediate = ca.newIntermediate(Duration.ofHours(2));
        // Our CA never lets a leaf outlive its issuer, so hand-build one that does (as a sloppy CA might).
        X509Certificate leaf = TestCertificates.leafWithUris(intermediate, KeyPairs.ecP256(), clock.instant(),
                clock.instant().plus(Duration.ofHours(5)), WEB.uri());
        List<X509Certificate> chain = List.of(leaf, intermediate.certificate());
        assertThat(verifier.verify(chain)).isEqualTo(WEB);

        clock.advance(Duration.ofHours(3));

        assertFails(chain, Reason.EXPIRED, "intermediate CA certificate " + intermediate.certificate()
                .getSubjectX500Principal().getName() + " in the peer's chain expired at 2026-01-10T14:00:00Z");
    }

    @Test
    void rejectsAChainFromAnUntrustedRoot() {
        CertificateAuthority impostor = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        WorkloadCertificate web = impostor.issue(WEB, Duration.ofHours(1));

        assertFails(web.chain(), Reason.UNTRUSTED, "is the peer using another CA, or is this trust bundle out of date?");
    }

    @Test
    void acceptsEitherRootDuringARootRotation() {
        CertificateAuthority next = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(30), clock);
        List<X509Certificate> roots = List.of(ca.certificate(), next.certificate());
        SvidVerifier both = new SvidVerifier(new TrustBundle("cluster.local", roots), clock);

        assertThat(both.verify(ca.issue(WEB, Duration.ofHours(1)).chain())).isEqualTo(WEB);
        assertThat(both.verify(next.issue(DB, Duration.ofHours(1)).chain())).isEqualTo(DB);
    }

    @Test
    void rejectsAnIdentityFromAForeignTrustDomain() {
        CertificateAuthority other = CertificateAuthority.selfSigned("other.mesh", Duration.ofDays(30), clock);
        SpiffeId foreign = SpiffeId.of("other.mesh", "default", "web");
        WorkloadCertificate web = other.issue(foreign, Duration.ofHours(1));

        assertFails(web.chain(), Reason.FOREIGN_TRUST_DOMAIN,
                "peer identity spiffe://other.mesh/ns/default/sa/web is in trust domain other.mesh, "
                        + "not in the trusted trust domain cluster.local");
    }

    @Test
    void rejectsTheWrongExpectedIdentity() {
        WorkloadCertificate db = ca.issue(DB, Duration.ofHours(1));

        assertThatThrownBy(() -> verifier.verify(db.chain(), WEB))
                .isInstanceOfSatisfying(PeerVerificationException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNEXPECTED_IDENTITY))
                .hasMessageContaining("peer identity spiffe://cluster.local/ns/default/sa/db is not the expected "
                        + "spiffe://cluster.local/ns/default/sa/web");
    }

    @Test
    void rejectsACaCertificatePresentedAsLeaf() {
        CertificateAuthority intermediate = ca.newIntermediate(Duration.ofDays(1));

        assertFails(intermediate.intermediates(), Reason.NOT_A_LEAF, "peer presented a CA certificate");
        assertFails(List.of(ca.certificate()), Reason.NOT_A_LEAF, "CA=true");
    }

    @Test
    void rejectsALeafWithTwoUriSans() throws Exception {
        X509Certificate leaf = TestCertificates.leafWithUris(ca, KeyPairs.ecP256(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)), WEB.uri(), DB.uri());

        assertFails(List.of(leaf), Reason.BAD_IDENTITY, "has 2 URI SANs");
    }

    @Test
    void rejectsALeafWithoutUriSan() throws Exception {
        X509Certificate leaf = TestCertificates.leafWithUris(ca, KeyPairs.ecP256(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)));

        assertFails(List.of(leaf), Reason.BAD_IDENTITY, "has 0 URI SANs");
    }

    @Test
    void rejectsALeafWhoseUriIsNoTrellisId() throws Exception {
        X509Certificate leaf = TestCertificates.leafWithUris(ca, KeyPairs.ecP256(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)), "https://cluster.local/web");

        assertFails(List.of(leaf), Reason.BAD_IDENTITY, "scheme must be 'spiffe'");
    }

    @Test
    void rejectsAnEmptyChain() {
        assertFails(List.of(), Reason.NO_CERTIFICATE, "peer presented no certificate");
    }

    @Test
    void ignoresExtraCertificatesThePeerSends() {
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));
        List<X509Certificate> withRoot = new ArrayList<>(web.chain());
        withRoot.add(ca.certificate());

        assertThat(verifier.verify(withRoot)).isEqualTo(WEB);
    }

    @Test
    void anIrrelevantExpiredCertificateInTheChainDoesNotFailAGoodPath() {
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(24));
        CertificateAuthority stale = CertificateAuthority.selfSigned("cluster.local", Duration.ofHours(1), clock);
        clock.advance(Duration.ofHours(2));
        List<X509Certificate> withStale = new ArrayList<>(web.chain());
        withStale.add(stale.certificate());

        assertThat(verifier.verify(withStale)).isEqualTo(WEB);
    }

    @Test
    void verifierHasNoMemoryOfTimeUsesTheClockEachCall() {
        WorkloadCertificate web = ca.issue(WEB, Duration.ofHours(1));
        assertThat(verifier.verify(web.chain())).isEqualTo(WEB);

        clock.set(Instant.parse("2026-01-10T13:00:01Z"));

        assertFails(web.chain(), Reason.EXPIRED, "expired");
    }

    private AbstractThrowableAssert<?, ?> assertFails(List<X509Certificate> chain, Reason reason, String message) {
        return assertThatThrownBy(() -> verifier.verify(chain))
                .isInstanceOfSatisfying(PeerVerificationException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message);
    }
}
