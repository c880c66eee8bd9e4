package io.trellis.waypoint.resilience;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When and how often to retry a request (Envoy {@code RetryPolicy}, Gateway API
 * {@code HTTPRouteRetry}).
 *
 * @param retryOn the conditions that make an attempt retriable
 * @param numRetries how many retries after the first attempt (Envoy default 1)
 * @param retriableStatusCodes statuses retried under {@link RetryOn#RETRIABLE_STATUS_CODES}
 * @param perTryTimeout the timeout of each attempt; zero for none
 * @param backoffBase the base backoff interval (Envoy default 25 ms)
 * @param backoffMax the backoff cap (Envoy default 10 x base)
 * @param retriableMethods the upper-case methods that may be retried; by default only idempotent
 *     ones, because retrying a POST can apply it twice (gRPC calls ended by a listed gRPC code
 *     are retried regardless: see {@link #permitsRetry})
 */
public record RetryPolicy(
    Set<RetryOn> retryOn,
    int numRetries,
    Set<Integer> retriableStatusCodes,
    Duration perTryTimeout,
    Duration backoffBase,
    Duration backoffMax,
    Set<String> retriableMethods) {

  /** RFC 9110 idempotent methods: the default {@link #retriableMethods()}. */
  public static final Set<String> IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  /** Envoy's default base backoff interval. */
  public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(25);

  /** Validates and copies. */
  public RetryPolicy {
    retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
    retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    retriableMethods = retriableMethods.stream().map(m -> m.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    if (numRetries < 0) {
      throw new IllegalArgumentException("numRetries must be >= 0, got " + numRetries);
    }
    if (perTryTimeout.isNegative()) {
      throw new IllegalArgumentException("perTryTimeout must not be negative, got " + perTryTimeout);
    }
    if (backoffBase.isNegative() || backoffBase.isZero()) {
      throw new IllegalArgumentException("backoff base must be > 0, got " + backoffBase);
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("backoff max " + backoffMax + " is below the base " + backoffBase);
    }
    for (int code : retriableStatusCodes) {
      if (code < 100 || code > 599) {
        throw new IllegalArgumentException("retriable status code must be in [100, 599], got " + code);
      }
    }
  }

  /** A policy with Envoy's default backoff (25 ms base, 250 ms cap), idempotent methods only. */
  public static RetryPolicy of(int numRetries, Set<RetryOn> retryOn) {
    return new RetryPolicy(retryOn, numRetries, Set.of(), Duration.ZERO,
        DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_BASE.multipliedBy(10), IDEMPOTENT_METHODS);
  }

  /** Whether the policy retries {@code outcome} (ignoring attempts, method and budgets). */
  public boolean isRetriable(AttemptOutcome outcome) {
    return switch (outcome) {
      case AttemptOutcome.ConnectFailure c ->
          has(RetryOn.CONNECT_FAILURE) || has(RetryOn.FIVE_XX) || has(RetryOn.GATEWAY_ERROR);
      case AttemptOutcome.Reset r ->
          has(RetryOn.RESET) || has(RetryOn.FIVE_XX) || has(RetryOn.GATEWAY_ERROR)
              || (r.refusedStream() && has(RetryOn.REFUSED_STREAM));
      case AttemptOutcome.PerTryTimeout t ->
          has(RetryOn.RESET) || has(RetryOn.FIVE_XX) || has(RetryOn.GATEWAY_ERROR);
      case AttemptOutcome.Response resp -> isRetriableResponse(resp);
    };
  }

  private boolean isRetriableResponse(AttemptOutcome.Response resp) {
    int s = resp.status();
    if (has(RetryOn.FIVE_XX) && s >= 500 && s <= 599) {
      return true;
    }
    if (has(RetryOn.GATEWAY_ERROR) && (s == 502 || s == 503 || s == 504)) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_4XX) && s == 409) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_STATUS_CODES) && retriableStatusCodes.contains(s)) {
      return true;
    }
    return matchesGrpcCode(resp);
  }

  /**
   * Whether a request with {@code method} may be retried after {@code outcome}: its method is in
   * {@link #retriableMethods()}, or it is a gRPC call that ended with one of the gRPC codes this
   * policy lists. Every gRPC call is a POST, so the idempotent-method default would make
   * {@code retryOn: unavailable} dead config; a listed gRPC code is the user saying the call is
   * safe to repeat when the server answered that code (UNAVAILABLE means it was not processed).
   * Other conditions (5xx, reset, connect failure) keep the method gate for gRPC too, because a
   * reset after the request was sent may have applied it.
   *
   * @param grpcRequest the downstream request is gRPC ({@code content-type: application/grpc*})
   */
  public boolean permitsRetry(String method, AttemptOutcome outcome, boolean grpcRequest) {
    if (retriableMethods.contains(method)) {
      return true;
    }
    return grpcRequest && outcome instanceof AttemptOutcome.Response resp && matchesGrpcCode(resp);
  }

  private boolean matchesGrpcCode(AttemptOutcome.Response resp) {
    Integer grpc = resp.grpcStatus();
    if (grpc != null) {
      for (RetryOn r : retryOn) {
        if (r.grpcCode() == grpc) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean has(RetryOn r) {
    return retryOn.contains(r);
  }
}
