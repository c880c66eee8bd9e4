package io.trellis.waypoint.resilience;

import java.time.Duration;

/**
 * Envoy's consecutive-error outlier detection for one cluster (the success-rate and
 * failure-percentage detectors are not implemented).
 *
 * @param consecutive5xx 5xx (or local failure) results in a row that eject (Envoy default 5)
 * @param enforcingConsecutive5xx percent chance such an ejection is enforced (default 100)
 * @param consecutiveGatewayFailure 502/503/504 (or local failure) results in a row that eject
 *     (default 5)
 * @param enforcingConsecutiveGatewayFailure percent chance it is enforced (Envoy default 0, i.e.
 *     off unless configured)
 * @param interval how often ejection multipliers decay (default 10 s)
 * @param baseEjectionTime ejection time for the first ejection; the n-th ejection lasts
 *     {@code n * base} (default 30 s)
 * @param maxEjectionTime the cap on one ejection (default 300 s)
 * @param maxEjectionPercent at most this share of endpoints ejected at once, but one endpoint may
 *     always be ejected (default 10)
 */
public record OutlierDetectionConfig(
    int consecutive5xx,
    int enforcingConsecutive5xx,
    int consecutiveGatewayFailure,
    int enforcingConsecutiveGatewayFailure,
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    int maxEjectionPercent) {

  /** Envoy's defaults. */
  public static final OutlierDetectionConfig DEFAULT = new OutlierDetectionConfig(
      5, 100, 5, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(300), 10);

  /** Validates. */
  public OutlierDetectionConfig {
    if (consecutive5xx < 1 || consecutiveGatewayFailure < 1) {
      throw new IllegalArgumentException("consecutive error thresholds must be >= 1");
    }
    checkPercent("enforcing_consecutive_5xx", enforcingConsecutive5xx);
    checkPercent("enforcing_consecutive_gateway_failure", enforcingConsecutiveGatewayFailure);
    checkPercent("max_ejection_percent", maxEjectionPercent);
    if (!interval.isPositive() || !baseEjectionTime.isPositive() || !maxEjectionTime.isPositive()) {
      throw new IllegalArgumentException("interval, base_ejection_time and max_ejection_time must be > 0");
    }
  }

  private static void checkPercent(String name, int v) {
    if (v < 0 || v > 100) {
      throw new IllegalArgumentException(name + " must be in [0, 100], got " + v);
    }
  }
}
