package io.trellis.waypoint.resilience;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Decides, after each upstream attempt, whether to retry: the policy's conditions, the method,
 * what the response said about retrying ({@link RetryPushback}), the attempt count, the cluster's
 * retry circuit breaker and its retry budget, in that order.
 *
 * <p>Backoff is Envoy's exponential backoff with full jitter: before retry {@code n} (1-based)
 * wait a uniformly random time in {@code [0, min(base * (2^n - 1), max))}.
 *
 * <p>Thread-safety follows the injected parts: the breaker and budget are shared and lock-free;
 * {@code random} must be owned by the calling event loop or be thread-safe.
 */
public final class RetryDecider {
  private final RetryPolicy policy;
  private final RandomGenerator random;
  private final @Nullable CircuitBreakers breakers;
  private final @Nullable RetryBudget budget;

  /**
   * A decider.
   *
   * @param policy the route's retry policy
   * @param random jitter source
   * @param breakers the cluster's circuit breakers (max retries), or null
   * @param budget the cluster's retry budget, or null
   */
  public RetryDecider(
      RetryPolicy policy, RandomGenerator random, @Nullable CircuitBreakers breakers, @Nullable RetryBudget budget) {
    this.policy = policy;
    this.random = random;
    this.breakers = breakers;
    this.budget = budget;
  }

  /**
   * The decision after attempt number {@code attempt} (1 for the original request) ended with
   * {@code outcome}, for a request with {@code method}.
   */
  public RetryDecision decide(AttemptOutcome outcome, int attempt, String method) {
    return decide(outcome, attempt, method, false);
  }

  /**
   * The decision after attempt number {@code attempt} (1 for the original request) ended with
   * {@code outcome}, for a request with {@code method}; {@code grpcRequest} says the request is a
   * gRPC call, whose listed gRPC codes are retried whatever its method ({@link RetryPolicy#permitsRetry}).
   */
  public RetryDecision decide(AttemptOutcome outcome, int attempt, String method, boolean grpcRequest) {
    return decide(outcome, attempt, method, grpcRequest, RetryPushback.NONE);
  }

  /**
   * The decision as {@link #decide(AttemptOutcome, int, String, boolean)}, with what the response
   * said about retrying it: {@link RetryPushback.DoNotRetry} gives up (the mark travels on),
   * {@link RetryPushback.After} replaces the jittered backoff, or gives up if it is longer than the
   * policy's maximum backoff. Attempts, breaker and budget apply to a pushed-back retry as to any.
   */
  public RetryDecision decide(
      AttemptOutcome outcome, int attempt, String method, boolean grpcRequest, RetryPushback pushback) {
    if (!policy.isRetriable(outcome)) {
      return new RetryDecision.GiveUp(RetryDecision.Reason.NOT_RETRIABLE);
    }
    if (!policy.permitsRetry(method, outcome, grpcRequest)) {
      return new RetryDecision.GiveUp(RetryDecision.Reason.METHOD_NOT_RETRIABLE);
    }
    if (pushback instanceof RetryPushback.DoNotRetry) {
      return new RetryDecision.GiveUp(RetryDecision.Reason.PUSHED_BACK);
    }
    if (attempt > policy.numRetries()) {
      return new RetryDecision.GiveUp(RetryDecision.Reason.ATTEMPTS_EXHAUSTED, policy.numRetries() > 0);
    }
    @Nullable Duration delay = null;
    if (pushback instanceof RetryPushback.After after) {
      if (after.delay().compareTo(policy.backoffMax()) > 0) {
        return new RetryDecision.GiveUp(RetryDecision.Reason.PUSHBACK_TOO_LONG);
      }
      delay = after.delay();
    }
    CircuitBreakers.Permit permit = null;
    if (breakers != null) {
      permit = breakers.tryAcquire(CircuitBreakers.Resource.RETRIES);
      if (permit == null) {
        return new RetryDecision.GiveUp(RetryDecision.Reason.RETRY_OVERFLOW);
      }
    }
    if (budget != null && !budget.tryAcquireRetry()) {
      if (permit != null) {
        permit.release();
      }
      return new RetryDecision.GiveUp(RetryDecision.Reason.BUDGET_EXHAUSTED);
    }
    return new RetryDecision.Retry(delay != null ? delay : backoff(attempt), permit);
  }

  /** The jittered delay before retry number {@code retry} (1-based). */
  Duration backoff(int retry) {
    long base = policy.backoffBase().toNanos();
    long max = policy.backoffMax().toNanos();
    int shift = Math.min(retry, 62);
    long multiplier = (1L << shift) - 1;
    long upper = multiplier > max / base ? max : Math.min(max, base * multiplier);
    return upper <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(upper));
  }
}
