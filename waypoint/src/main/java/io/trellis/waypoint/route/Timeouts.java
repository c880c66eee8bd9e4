package io.trellis.waypoint.route;

import java.time.Duration;

/**
 * The timeouts of a forwarding route. {@link Duration#ZERO} disables a timeout. When one fires
 * the data path answers 504 with response flag {@code UT}.
 *
 * @param request the whole request including every retry (Gateway API {@code timeouts.request},
 *     Envoy {@code route.timeout}, default 15 s in Envoy)
 * @param perTry each upstream attempt (Gateway API {@code timeouts.backendRequest}, Envoy
 *     {@code retry_policy.per_try_timeout}); zero means bounded only by {@code request}
 */
public record Timeouts(Duration request, Duration perTry) {
  /** Envoy's default route timeout. */
  public static final Duration ENVOY_DEFAULT_REQUEST = Duration.ofSeconds(15);

  /** Validates that neither is negative. */
  public Timeouts {
    if (request.isNegative() || perTry.isNegative()) {
      throw new IllegalArgumentException("timeouts must not be negative: request=" + request + " perTry=" + perTry);
    }
  }

  /** No timeouts at all. */
  public static Timeouts none() {
    return new Timeouts(Duration.ZERO, Duration.ZERO);
  }

  /**
   * The deadline for one attempt started at {@code attemptStartNanos} in a request started at
   * {@code requestStartNanos}: the earlier of the per-try and request deadlines, or
   * {@link Long#MAX_VALUE} if neither applies.
   */
  public long attemptDeadlineNanos(long requestStartNanos, long attemptStartNanos) {
    long deadline = Long.MAX_VALUE;
    if (!request.isZero()) {
      deadline = saturatedAdd(requestStartNanos, request);
    }
    if (!perTry.isZero()) {
      deadline = Math.min(deadline, saturatedAdd(attemptStartNanos, perTry));
    }
    return deadline;
  }

  /** {@code start + d} in nanoseconds, saturating at {@link Long#MAX_VALUE} for huge timeouts. */
  private static long saturatedAdd(long start, Duration d) {
    long nanos = d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    long sum = start + nanos;
    return ((start ^ sum) & (nanos ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
