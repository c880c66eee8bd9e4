package io.trellis.waypoint;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The waypoint's certificate health under the node-proxy's metric names, so one set of alert rules
 * ({@code install/prometheus}) covers both: {@code trellis_certificate_expiry_seconds{identity}} (negative once
 * expired, absent before the first certificate) and {@code trellis_certificate_renewal_failures_total{identity}}.
 */
final class CertificateMetrics {

    static final String EXPIRY_METRIC = "trellis.certificate.expiry.seconds";
    static final String RENEWAL_FAILURES_METRIC = "trellis.certificate.renewal.failures";

    private final SpiffeId id;
    private final MeterRegistry registry;
    private final Counter failures;

    /** Registers the failure counter for {@code id}; {@link #watchExpiry} adds the gauge once there is a renewer. */
    CertificateMetrics(SpiffeId id, MeterRegistry registry) {
        this.id = id;
        this.registry = registry;
        this.failures = Counter.builder(RENEWAL_FAILURES_METRIC).tag("identity", id.uri())
                .description("Failed certificate requests to the CA for this identity (first fetch and renewals)")
                .register(registry);
    }

    /** Registers the expiry gauge; {@code current} is the certificate in force (null before the first). */
    void watchExpiry(Supplier<@Nullable WorkloadCertificate> current, Clock clock) {
        Gauge.builder(EXPIRY_METRIC, () -> secondsUntilExpiry(current.get(), clock))
                .tag("identity", id.uri())
                .description("Seconds until the identity's current certificate expires (negative: expired)")
                .register(registry);
    }

    /** Wraps a CA fetch so that each failed one is counted. */
    Supplier<CompletionStage<WorkloadCertificate>> counting(Supplier<? extends CompletionStage<WorkloadCertificate>> fetch) {
        return () -> fetch.get().whenComplete((cert, error) -> {
            if (error != null) {
                failures.increment();
            }
        });
    }

    private static double secondsUntilExpiry(@Nullable WorkloadCertificate certificate, Clock clock) {
        return certificate == null ? Double.NaN
                : Duration.between(clock.instant(), certificate.notAfter()).toMillis() / 1000.0;
    }
}
