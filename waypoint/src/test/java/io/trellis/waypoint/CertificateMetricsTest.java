package io.trellis.waypoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.testkit.MutableClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The waypoint exports its certificate's remaining life and failed CA requests under the node-proxy's names. */
class CertificateMetricsTest {

    private static final SpiffeId ID = SpiffeId.of("cluster.local", "default", "reviews-waypoint");

    private final MutableClock clock = MutableClock.at("2026-11-26T10:00:00Z");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CertificateMetrics metrics = new CertificateMetrics(ID, registry);

    private double expirySeconds() {
        return registry.get(CertificateMetrics.EXPIRY_METRIC).tag("identity", ID.uri()).gauge().value();
    }

    private double failures() {
        return registry.get(CertificateMetrics.RENEWAL_FAILURES_METRIC).tag("identity", ID.uri()).counter().count();
    }

    @Test
    void expiryCountsDownWithTheClockAndGoesNegativeOnceExpired() {
        AtomicReference<@Nullable WorkloadCertificate> current = new AtomicReference<>();
        metrics.watchExpiry(current::get, clock);
        assertThat(expirySeconds()).as("no certificate yet: absent, not 'expiring now'").isNaN();

        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock);
        WorkloadCertificate cert = ca.issue(ID, Duration.ofHours(1));
        current.set(cert);
        double left = Duration.between(clock.instant(), cert.notAfter()).toSeconds();
        assertThat(expirySeconds()).isEqualTo(left);

        clock.advance(Duration.ofHours(2));
        assertThat(expirySeconds()).isEqualTo(left - 7200).isNegative();
    }

    @Test
    void eachFailedFetchIsCountedAndSuccessesAreNot() {
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock);
        var ok = metrics.counting(() -> CompletableFuture.completedFuture(ca.issue(ID, Duration.ofHours(1))));
        var failing = metrics.counting(() -> CompletableFuture.failedFuture(new IllegalStateException("CA down")));

        ok.get().toCompletableFuture().join();
        assertThat(failures()).isZero();

        assertThatThrownBy(() -> failing.get().toCompletableFuture().join()).isInstanceOf(CompletionException.class)
                .hasMessageContaining("CA down");
        failing.get();
        assertThat(failures()).isEqualTo(2);
    }
}
