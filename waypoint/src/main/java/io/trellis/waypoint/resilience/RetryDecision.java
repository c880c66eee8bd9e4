package io.trellis.waypoint.resilience;

import io.trellis.waypoint.ResponseFlag;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** What to do after an upstream attempt: retry after a delay, or stop. */
public sealed interface RetryDecision {

  /**
   * Start another attempt after {@code delay}.
   *
   * @param delay the backoff to wait first
   * @param permit the retry circuit-breaker slot held by the retry; the data path releases it
   *     when that retry attempt ends (null when no breaker applies)
   */
  record Retry(Duration delay, CircuitBreakers.@Nullable Permit permit) implements RetryDecision {
    /** Releases the breaker slot, if any; call when the retry attempt ends. */
    public void attemptFinished() {
      if (permit != null) {
        permit.release();
      }
    }
  }

  /**
   * Stop and send the last outcome downstream.
   *
   * @param reason why
   */
  record GiveUp(Reason reason) implements RetryDecision {
    /** The response flag to log, or null if the outcome is simply final. */
    public @Nullable ResponseFlag flag() {
      return reason.flag;
    }
  }

  /** Why retrying stopped. */
  enum Reason {
    /** The outcome is a success or a failure the policy does not retry. */
    NOT_RETRIABLE(null),
    /** The method is not in the policy's retriable methods (not idempotent by default). */
    METHOD_NOT_RETRIABLE(null),
    /** Every allowed retry was used. */
    ATTEMPTS_EXHAUSTED(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED),
    /** The retry budget of the cluster is spent. */
    BUDGET_EXHAUSTED(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED),
    /** The cluster's max-retries circuit breaker is full. */
    RETRY_OVERFLOW(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);

    private final @Nullable ResponseFlag flag;

    Reason(@Nullable ResponseFlag flag) {
      this.flag = flag;
    }
  }
}
