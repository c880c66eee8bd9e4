package io.trellis.waypoint.resilience;

import java.time.Duration;

/**
 * A retry budget as Linkerd and Gateway API GEP-3388 define it: over a sliding {@code window},
 * retries may be at most {@code percent} % of requests, plus a floor of
 * {@code minRetriesPerSecond} so a quiet service can still retry.
 *
 * @param percent retries allowed per 100 requests (GEP-3388 default 20)
 * @param window the sliding window (GEP-3388 default 10 s)
 * @param minRetriesPerSecond retries always allowed per second of window (GEP-3388 default 10)
 */
public record RetryBudgetConfig(double percent, Duration window, int minRetriesPerSecond) {
  /** GEP-3388's defaults: 20 % over 10 s with at least 10 retries per second. */
  public static final RetryBudgetConfig DEFAULT = new RetryBudgetConfig(20, Duration.ofSeconds(10), 10);

  /** Validates. */
  public RetryBudgetConfig {
    if (!(percent >= 0 && percent <= 100)) {
      throw new IllegalArgumentException("retry budget percent must be in [0, 100], got " + percent);
    }
    if (window.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("retry budget window must be at least 1s, got " + window);
    }
    if (minRetriesPerSecond < 0) {
      throw new IllegalArgumentException("minRetriesPerSecond must be >= 0, got " + minRetriesPerSecond);
    }
  }
}
