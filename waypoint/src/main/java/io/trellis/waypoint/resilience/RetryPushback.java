package io.trellis.waypoint.resilience;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What an upstream response says about retrying it, read before the retry policy applies.
 *
 * <ul>
 *   <li>{@link DoNotRetry}: a waypoint further down already retried and gave up
 *       ({@code x-trellis-retry-exhausted: true}), or a gRPC server pushed back with a negative or
 *       malformed {@code grpc-retry-pushback-ms} (gRFC A6: "do not retry"). Retrying again here
 *       would multiply the load on the failing service: only the layer directly above a failure
 *       retries it.
 *   <li>{@link After}: the server named when to come back: {@code grpc-retry-pushback-ms} of zero
 *       or more, or {@code Retry-After} in delta-seconds on a 503. It replaces the jittered backoff.
 *   <li>{@link None}: nothing said; the policy's backoff applies.
 * </ul>
 */
public sealed interface RetryPushback {

  /** No pushback: the response says nothing about retries. */
  RetryPushback NONE = new None();

  /** The response has no retry hint. */
  record None() implements RetryPushback {}

  /**
   * Do not retry this response.
   *
   * @param source which header said so, for logs and tests
   */
  record DoNotRetry(String source) implements RetryPushback {}

  /**
   * Retry, if at all, no sooner than {@code delay}.
   *
   * @param delay the server's delay
   */
  record After(Duration delay) implements RetryPushback {}

  /**
   * Reads the hints of one response head. Untrusted values never throw: a malformed
   * {@code grpc-retry-pushback-ms} means "do not retry" as gRFC A6 specifies, a malformed
   * {@code Retry-After} (or an HTTP-date, which needs a wall clock) is ignored.
   *
   * @param status the HTTP status of the response
   * @param exhaustedMark the {@code x-trellis-retry-exhausted} value, or null
   * @param grpcPushbackMs the {@code grpc-retry-pushback-ms} value, or null
   * @param retryAfter the {@code Retry-After} value, or null
   * @param honourDoNotRetry whether marks that forbid a retry are honoured (the waypoint's
   *     retry-exhausted signal setting); delays are honoured either way, since they only slow down
   */
  static RetryPushback of(int status, @Nullable String exhaustedMark, @Nullable String grpcPushbackMs,
      @Nullable String retryAfter, boolean honourDoNotRetry) {
    if (honourDoNotRetry && exhaustedMark != null && isTrue(exhaustedMark)) {
      return new DoNotRetry("x-trellis-retry-exhausted");
    }
    if (grpcPushbackMs != null) {
      long ms = parseNonNegative(grpcPushbackMs);
      if (ms >= 0) {
        return new After(Duration.ofMillis(ms));
      }
      return honourDoNotRetry ? new DoNotRetry("grpc-retry-pushback-ms") : NONE;
    }
    if (retryAfter != null && status == 503) {
      long seconds = parseNonNegative(retryAfter);
      if (seconds >= 0) {
        return new After(Duration.ofSeconds(seconds));
      }
    }
    return NONE;
  }

  private static boolean isTrue(String value) {
    return value.trim().toLowerCase(Locale.ROOT).equals("true");
  }

  /** A non-negative decimal of at most 18 digits (no overflow); -1 for anything else. */
  private static long parseNonNegative(String value) {
    String v = value.trim();
    if (v.isEmpty() || v.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
