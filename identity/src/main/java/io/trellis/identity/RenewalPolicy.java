package io.trellis.identity;

import java.time.Duration;

/**
 * When {@link CertificateRenewer} renews and how it retries.
 *
 * @param renewAtFraction share of the certificate's lifetime after which to renew; 0.5 leaves half
 *     the lifetime (12 h of a 24 h SVID) to ride out a CA outage
 * @param initialBackoff delay before the first retry after a failed renewal
 * @param maxBackoff cap of the doubling retry delay; short enough that a recovered CA is noticed soon
 * @param jitter relative spread applied to each retry delay (0.2 = +-20 %), so that many workloads
 *     failing together do not retry in lockstep against a recovering CA
 */
public record RenewalPolicy(double renewAtFraction, Duration initialBackoff, Duration maxBackoff, double jitter) {

    /** Renew at 50 %, retry after 1 s doubling to 5 min, +-20 % jitter. */
    public static final RenewalPolicy DEFAULT =
            new RenewalPolicy(0.5, Duration.ofSeconds(1), Duration.ofMinutes(5), 0.2);

    /** Validates the ranges. */
    public RenewalPolicy {
        if (!(renewAtFraction > 0 && renewAtFraction < 1)) {
            throw new IllegalArgumentException("renewAtFraction must be in (0, 1), got " + renewAtFraction);
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("initialBackoff must be positive, got " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    /** The un-jittered delay before retry number {@code failures} (1 = first retry): doubling, capped. */
    Duration backoff(int failures) {
        Duration delay = initialBackoff;
        for (int i = 1; i < failures && delay.compareTo(maxBackoff) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxBackoff) > 0 ? maxBackoff : delay;
    }
}
