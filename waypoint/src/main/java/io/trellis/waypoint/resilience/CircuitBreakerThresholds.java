package io.trellis.waypoint.resilience;

import org.jspecify.annotations.Nullable;

/**
 * Envoy's per-cluster circuit breaker thresholds (default priority). Envoy's defaults are 1024
 * connections, pending requests and requests, and 3 concurrent retries.
 *
 * @param maxConnections upstream connections open at once
 * @param maxPendingRequests requests waiting for a connection at once
 * @param maxRequests requests in flight at once
 * @param maxRetries retries in flight at once (replaced by {@code retryBudget} when set)
 * @param retryBudget Envoy's {@code retry_budget}, or null
 */
public record CircuitBreakerThresholds(
    int maxConnections,
    int maxPendingRequests,
    int maxRequests,
    int maxRetries,
    @Nullable ConcurrencyRetryBudget retryBudget) {

  /** Envoy's defaults. */
  public static final CircuitBreakerThresholds DEFAULT = new CircuitBreakerThresholds(1024, 1024, 1024, 3, null);

  /** Validates. */
  public CircuitBreakerThresholds {
    if (maxConnections < 0 || maxPendingRequests < 0 || maxRequests < 0 || maxRetries < 0) {
      throw new IllegalArgumentException("circuit breaker thresholds must be >= 0");
    }
  }

  /**
   * Envoy's {@code retry_budget}: concurrent retries may be {@code budgetPercent} % of the active
   * plus pending requests, but at least {@code minRetryConcurrency}.
   *
   * @param budgetPercent the percentage (Envoy default 20)
   * @param minRetryConcurrency the floor (Envoy default 3)
   */
  public record ConcurrencyRetryBudget(double budgetPercent, int minRetryConcurrency) {
    /** Validates. */
    public ConcurrencyRetryBudget {
      if (!(budgetPercent >= 0 && budgetPercent <= 100) || minRetryConcurrency < 0) {
        throw new IllegalArgumentException(
            "retry_budget needs budget_percent in [0, 100] and min_retry_concurrency >= 0, got "
                + budgetPercent + " and " + minRetryConcurrency);
      }
    }
  }
}
