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
   * @param exhausted this waypoint retried the request, or would have but its budget or breaker
   *     said no, or a waypoint further down had already given up: the response is marked so that
   *     callers further up do not retry it again (only the layer directly above a failure retries)
   */
  record GiveUp(Reason reason, boolean exhausted) implements RetryDecision {
    /** A give-up whose {@link #exhausted()} follows from the reason alone. */
    public GiveUp(Reason reason) {
      this(reason, reason.exhausts);
    }

    /** The response flag to log, or null if the outcome is simply final. */
    public @Nullable ResponseFlag flag() {
      return reason.flag;
    }
  }

  /** Why retrying stopped. */
  enum Reason {
    /** The outcome is a success or a failure the policy does not retry. */
    NOT_RETRIABLE(null, false),
    /** The method is not in the policy's retriable methods (not idempotent by default). */
    METHOD_NOT_RETRIABLE(null, false),
    /**
     * Every allowed retry was used (exhausted unless the policy allows no retries at all, which
     * leaves retrying to the callers).
     */
    ATTEMPTS_EXHAUSTED(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED, true),
    /** The retry budget of the cluster is spent. */
    BUDGET_EXHAUSTED(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED, true),
    /** The cluster's max-retries circuit breaker is full. */
    RETRY_OVERFLOW(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED, true),
    /**
     * The response said not to retry it ({@link RetryPushback.DoNotRetry}): a waypoint further
     * down gave up already, or a gRPC server pushed back; the mark travels on to the callers.
     */
    PUSHED_BACK(null, true),
    /**
     * The server asked for a delay ({@link RetryPushback.After}) longer than the policy's maximum
     * backoff: the response goes to the client with the server's hint instead of being held here.
     */
    PUSHBACK_TOO_LONG(null, false);

    private final @Nullable ResponseFlag flag;
    private final boolean exhausts;

    Reason(@Nullable ResponseFlag flag, boolean exhausts) {
      this.flag = flag;
      this.exhausts = exhausts;
    }
  }
}
