package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.waypoint.ResponseFlag;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryDeciderTest {
  private static final RetryPolicy POLICY = RetryPolicy.of(2, Set.of(RetryOn.FIVE_XX));
  private static final AttemptOutcome FAIL = AttemptOutcome.Response.http(503);

  static Stream<Arguments> decisions() {
    return Stream.of(
        Arguments.of(FAIL, 1, "GET", null),
        Arguments.of(FAIL, 2, "GET", null),
        Arguments.of(FAIL, 3, "GET", RetryDecision.Reason.ATTEMPTS_EXHAUSTED),
        Arguments.of(AttemptOutcome.Response.http(200), 1, "GET", RetryDecision.Reason.NOT_RETRIABLE),
        Arguments.of(AttemptOutcome.Response.http(404), 1, "GET", RetryDecision.Reason.NOT_RETRIABLE),
        Arguments.of(FAIL, 1, "POST", RetryDecision.Reason.METHOD_NOT_RETRIABLE),
        Arguments.of(FAIL, 1, "PATCH", RetryDecision.Reason.METHOD_NOT_RETRIABLE),
        Arguments.of(FAIL, 1, "PUT", null),
        Arguments.of(FAIL, 1, "DELETE", null),
        Arguments.of(FAIL, 1, "HEAD", null),
        Arguments.of(FAIL, 1, "OPTIONS", null),
        Arguments.of(FAIL, 1, "TRACE", null),
        Arguments.of(new AttemptOutcome.ConnectFailure(), 1, "GET", null));
  }

  @ParameterizedTest(name = "{0} attempt={1} {2} -> {3}")
  @MethodSource("decisions")
  void decides(AttemptOutcome outcome, int attempt, String method, RetryDecision.Reason giveUp) {
    RetryDecision d = new RetryDecider(POLICY, new SplittableRandom(1), null, null).decide(outcome, attempt, method);
    if (giveUp == null) {
      assertThat(d).isInstanceOf(RetryDecision.Retry.class);
    } else {
      assertThat(d).isEqualTo(new RetryDecision.GiveUp(giveUp));
    }
  }

  @Test
  void exhaustedRetriesCarryTheUrxFlag() {
    RetryDecision.GiveUp g = (RetryDecision.GiveUp) new RetryDecider(POLICY, new SplittableRandom(1), null, null)
        .decide(FAIL, 3, "GET");
    assertThat(g.flag()).isEqualTo(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
    assertThat(g.flag().code()).isEqualTo("URX");
    assertThat(new RetryDecision.GiveUp(RetryDecision.Reason.NOT_RETRIABLE).flag()).isNull();
  }

  @Test
  void postIsRetriedWhenConfigured() {
    RetryPolicy p = new RetryPolicy(Set.of(RetryOn.FIVE_XX), 1, Set.of(), Duration.ZERO,
        Duration.ofMillis(25), Duration.ofMillis(250), Set.of("post"));
    assertThat(new RetryDecider(p, new SplittableRandom(1), null, null).decide(FAIL, 1, "POST"))
        .isInstanceOf(RetryDecision.Retry.class);
  }

  @Test
  void grpcCallsAreRetriedOnListedGrpcCodesWhateverTheMethod() {
    RetryPolicy p = RetryPolicy.of(2, Set.of(RetryOn.UNAVAILABLE, RetryOn.RESET));
    RetryDecider d = new RetryDecider(p, new SplittableRandom(1), null, null);
    AttemptOutcome unavailable = AttemptOutcome.Response.grpc(14);
    assertThat(d.decide(unavailable, 1, "POST", true)).isInstanceOf(RetryDecision.Retry.class);
    // Not a gRPC request: the idempotent-method default still guards the POST.
    assertThat(d.decide(unavailable, 1, "POST", false))
        .isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.METHOD_NOT_RETRIABLE));
    // A reset may come after the server applied the call: only listed gRPC codes lift the gate.
    assertThat(d.decide(new AttemptOutcome.Reset(false), 1, "POST", true))
        .isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.METHOD_NOT_RETRIABLE));
    // A gRPC code the policy does not list is not retried at all.
    assertThat(d.decide(AttemptOutcome.Response.grpc(13), 1, "POST", true))
        .isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.NOT_RETRIABLE));
    assertThat(d.decide(unavailable, 3, "POST", true))
        .isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.ATTEMPTS_EXHAUSTED));
  }

  @Test
  void backoffIsExponentialWithFullJitterAndCapped() {
    RetryPolicy p = new RetryPolicy(Set.of(RetryOn.FIVE_XX), 10, Set.of(), Duration.ZERO,
        Duration.ofMillis(25), Duration.ofMillis(250), RetryPolicy.IDEMPOTENT_METHODS);
    RetryDecider d = new RetryDecider(p, new SplittableRandom(9), null, null);
    // Upper bounds: base * (2^n - 1), capped at max: 25, 75, 175, 250, 250 ms.
    long[] upperMs = {25, 75, 175, 250, 250};
    for (int n = 1; n <= upperMs.length; n++) {
      long max = 0;
      long min = Long.MAX_VALUE;
      for (int i = 0; i < 2000; i++) {
        long ms = d.backoff(n).toNanos();
        max = Math.max(max, ms);
        min = Math.min(min, ms);
      }
      long upper = Duration.ofMillis(upperMs[n - 1]).toNanos();
      assertThat(max).isLessThan(upper).isGreaterThan(upper * 9 / 10);
      assertThat(min).isLessThan(upper / 10); // full jitter reaches down to ~0
    }
    assertThat(d.backoff(200).toNanos()).isLessThan(Duration.ofMillis(250).toNanos());
  }

  @Test
  void retryBreakerOverflowGivesUpAndReleasesNothingItDidNotTake() {
    CircuitBreakers breakers = new CircuitBreakers(new CircuitBreakerThresholds(10, 10, 10, 1, null));
    RetryDecider d = new RetryDecider(POLICY, new SplittableRandom(1), breakers, null);
    RetryDecision.Retry first = (RetryDecision.Retry) d.decide(FAIL, 1, "GET");
    assertThat(breakers.active(CircuitBreakers.Resource.RETRIES)).isEqualTo(1);
    assertThat(d.decide(FAIL, 1, "GET")).isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.RETRY_OVERFLOW));
    first.attemptFinished();
    first.attemptFinished();
    assertThat(breakers.active(CircuitBreakers.Resource.RETRIES)).isZero();
    assertThat(d.decide(FAIL, 1, "GET")).isInstanceOf(RetryDecision.Retry.class);
  }

  @Test
  void exhaustedBudgetGivesUpAndReturnsTheBreakerSlot() {
    CircuitBreakers breakers = new CircuitBreakers(CircuitBreakerThresholds.DEFAULT);
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(0, Duration.ofSeconds(10), 0), () -> 0L);
    budget.recordRequest();
    RetryDecider d = new RetryDecider(POLICY, new SplittableRandom(1), breakers, budget);
    assertThat(d.decide(FAIL, 1, "GET")).isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.BUDGET_EXHAUSTED));
    assertThat(breakers.active(CircuitBreakers.Resource.RETRIES)).isZero();
  }
}
