package io.trellis.node.identity;

import io.trellis.testkit.FakeScheduledExecutor;
import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.RenewalPolicy;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-identity expiry gauge and renewal-failure counter, and what the node-proxy does with a certificate near
 * expiry while the CA is down: it keeps serving the valid certificate, retries with backoff (counted), stops serving
 * it at expiry (the identity turns pending, readiness fails), and recovers on the first successful renewal. Clock and
 * scheduler are fakes: a day passes in milliseconds.
 */
class CertificateExpiryMetricsTest {

    private static final SpiffeId WEB = SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/web");
    private static final Duration TTL = Duration.ofHours(24);

    private final MutableClock clock = MutableClock.at("2026-03-01T00:00:00Z");
    private final FakeScheduledExecutor scheduler = new FakeScheduledExecutor(clock);
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365),
            clock);
    private final AtomicBoolean caUp = new AtomicBoolean(true);
    private final AtomicInteger caRequests = new AtomicInteger();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CertificateManager manager = new CertificateManager(this::fetch, "cluster.local", scheduler, clock,
            new Random(7), RenewalPolicy.DEFAULT, registry);

    private CompletableFuture<WorkloadCertificate> fetch(SpiffeId id) {
        caRequests.incrementAndGet();
        return caUp.get() ? CompletableFuture.completedFuture(ca.issue(id, TTL))
                : CompletableFuture.failedFuture(new CertificateUnavailableException(
                        "CA at 10.0.0.1:15010 unreachable", null));
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void theGaugeCountsDownAndARenewalResetsIt() {
        manager.prefetch(WEB);
        scheduler.runDue();
        assertThat(expirySeconds()).isBetween(TTL.toSeconds() - 60.0, (double) TTL.toSeconds());
        scheduler.advance(Duration.ofHours(6));
        assertThat(expirySeconds()).isBetween(Duration.ofHours(18).toSeconds() - 60.0,
                (double) Duration.ofHours(18).toSeconds());
        // renewal at half the lifetime: a fresh certificate, a full day left again
        scheduler.advance(Duration.ofHours(6).plusMinutes(1));
        assertThat(caRequests).hasValue(2);
        assertThat(expirySeconds()).isGreaterThan(Duration.ofHours(23).toSeconds());
        assertThat(renewalFailures()).isZero();
    }

    @Test
    void withTheCaDownTheValidCertificateIsServedUntilExpiryThenTheIdentityIsPendingUntilTheCaReturns() {
        manager.prefetch(WEB);
        scheduler.runDue();
        WorkloadCertificate first = manager.current(WEB);
        assertThat(first).isNotNull();

        caUp.set(false);
        scheduler.advance(Duration.ofHours(12).plusSeconds(1)); // the renewal is due and fails
        assertThat(renewalFailures()).isGreaterThanOrEqualTo(1);
        assertThat(manager.current(WEB)).as("still valid: still served").isSameAs(first);

        scheduler.advance(Duration.ofHours(11)); // one hour left: the alert's warning zone
        assertThat(expirySeconds()).isBetween(3000.0, 3600.0);
        double failuresNearExpiry = renewalFailures();
        // backoff doubles from 1 s to its 5 min cap: about 12 retries an hour once capped, not a tight loop
        assertThat(failuresNearExpiry).isBetween(100.0, 200.0);
        assertThat(manager.current(WEB)).isSameAs(first);
        assertThat(manager.allReady()).isTrue();

        scheduler.advance(Duration.ofHours(1).plusMinutes(1)); // expired
        assertThat(expirySeconds()).as("negative once expired").isNegative();
        assertThat(manager.current(WEB)).as("an expired certificate is never served").isNull();
        assertThat(manager.pending()).containsExactly(WEB);
        assertThat(manager.allReady()).isFalse();

        caUp.set(true);
        scheduler.advance(Duration.ofMinutes(6)); // the next retry (at most 5 min + jitter away) succeeds
        assertThat(manager.current(WEB)).isNotNull().isNotSameAs(first);
        assertThat(expirySeconds()).isGreaterThan(Duration.ofHours(23).toSeconds());
        assertThat(manager.allReady()).isTrue();
        double failuresAfter = renewalFailures();
        scheduler.advance(Duration.ofHours(1));
        assertThat(renewalFailures()).as("no more failures once renewed").isEqualTo(failuresAfter);
    }

    @Test
    void beforeTheFirstCertificateTheGaugeIsNaNAndFailuresAreCounted() {
        caUp.set(false);
        manager.prefetch(WEB);
        scheduler.runDue();
        assertThat(expirySeconds()).isNaN();
        assertThat(renewalFailures()).isEqualTo(1.0);
        assertThat(registry.get("trellis.certificate.fetch.failures").counter().count()).isEqualTo(1.0);
    }

    @Test
    void forgettingAnIdentityRemovesItsMeters() {
        manager.prefetch(WEB);
        scheduler.runDue();
        assertThat(gauge()).isNotNull();
        manager.forget(WEB);
        assertThat(gauge()).isNull();
        assertThat(registry.find(CertificateManager.RENEWAL_FAILURES_METRIC).counter()).isNull();
    }

    private double expirySeconds() {
        Gauge g = gauge();
        assertThat(g).as("gauge for " + WEB).isNotNull();
        return g.value();
    }

    private @Nullable Gauge gauge() {
        return registry.find(CertificateManager.EXPIRY_METRIC).tag("identity", WEB.uri()).gauge();
    }

    private double renewalFailures() {
        Counter c = registry.find(CertificateManager.RENEWAL_FAILURES_METRIC).tag("identity", WEB.uri()).counter();
        assertThat(c).isNotNull();
        return c.count();
    }
}
