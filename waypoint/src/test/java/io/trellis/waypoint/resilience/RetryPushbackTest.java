package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryPushbackTest {
  private static final AttemptOutcome FAIL = AttemptOutcome.Response.http(503);
  private static final AttemptOutcome UNAVAILABLE = AttemptOutcome.Response.grpc(14);

  @Test
  void readsTheExhaustedMarkAndGrpcPushback() {
    assertThat(RetryPushback.of(503, "true", null, null, true)).isInstanceOf(RetryPushback.DoNotRetry.class);
    assertThat(RetryPushback.of(503, " TRUE ", null, null, true)).isInstanceOf(RetryPushback.DoNotRetry.class);
    assertThat(RetryPushback.of(503, "false", null, null, true)).isEqualTo(RetryPushback.NONE);
    assertThat(RetryPushback.of(200, null, "-1", null, true)).isEqualTo(new RetryPushback.DoNotRetry("grpc-retry-pushback-ms"));
    // gRFC A6: a pushback that is not a non-negative integer also means "do not retry".
    assertThat(RetryPushback.of(200, null, "soon", null, true)).isInstanceOf(RetryPushback.DoNotRetry.class);
    assertThat(RetryPushback.of(200, null, "", null, true)).isInstanceOf(RetryPushback.DoNotRetry.class);
    assertThat(RetryPushback.of(200, null, "150", null, true)).isEqualTo(new RetryPushback.After(Duration.ofMillis(150)));
    assertThat(RetryPushback.of(200, null, "0", null, true)).isEqualTo(new RetryPushback.After(Duration.ZERO));
    assertThat(RetryPushback.of(200, null, "99999999999999999999999", null, true)).isInstanceOf(RetryPushback.DoNotRetry.class);
  }

  @Test
  void withTheSignalOffOnlyDelaysAreHonoured() {
    assertThat(RetryPushback.of(503, "true", null, null, false)).isEqualTo(RetryPushback.NONE);
    assertThat(RetryPushback.of(200, null, "-1", null, false)).isEqualTo(RetryPushback.NONE);
    assertThat(RetryPushback.of(200, null, "20", null, false)).isEqualTo(new RetryPushback.After(Duration.ofMillis(20)));
    assertThat(RetryPushback.of(503, null, null, "2", false)).isEqualTo(new RetryPushback.After(Duration.ofSeconds(2)));
  }

  @Test
  void retryAfterCountsOnlyOnA503InDeltaSeconds() {
    assertThat(RetryPushback.of(503, null, null, "3", true)).isEqualTo(new RetryPushback.After(Duration.ofSeconds(3)));
    assertThat(RetryPushback.of(429, null, null, "3", true)).isEqualTo(RetryPushback.NONE);
    assertThat(RetryPushback.of(503, null, null, "Wed, 21 Oct 2015 07:28:00 GMT", true)).isEqualTo(RetryPushback.NONE);
    assertThat(RetryPushback.of(503, null, null, "-5", true)).isEqualTo(RetryPushback.NONE);
  }

  @Test
  void theDeciderHonoursPushback() {
    RetryPolicy policy = new RetryPolicy(Set.of(RetryOn.FIVE_XX, RetryOn.UNAVAILABLE), 2, Set.of(), Duration.ZERO,
        Duration.ofMillis(25), Duration.ofSeconds(1), RetryPolicy.IDEMPOTENT_METHODS);
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(100, Duration.ofSeconds(10), 0), () -> 0L);
    budget.recordRequest();
    RetryDecider d = new RetryDecider(policy, new SplittableRandom(3), null, budget);

    RetryDecision pushedBack = d.decide(UNAVAILABLE, 1, "POST", true, new RetryPushback.DoNotRetry("grpc-retry-pushback-ms"));
    assertThat(pushedBack).isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.PUSHED_BACK, true));
    assertThat(((RetryDecision.GiveUp) pushedBack).flag()).isNull();

    RetryDecision tooLong = d.decide(FAIL, 1, "GET", false, new RetryPushback.After(Duration.ofSeconds(2)));
    assertThat(tooLong).isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.PUSHBACK_TOO_LONG, false));

    RetryDecision waited = d.decide(FAIL, 1, "GET", false, new RetryPushback.After(Duration.ofMillis(700)));
    assertThat(waited).isInstanceOf(RetryDecision.Retry.class);
    assertThat(((RetryDecision.Retry) waited).delay()).isEqualTo(Duration.ofMillis(700));
    // The pushed-back retry took the budget's only token: pushback never bypasses the budget.
    assertThat(d.decide(FAIL, 1, "GET", false, new RetryPushback.After(Duration.ZERO)))
        .isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.BUDGET_EXHAUSTED, true));
    // A response the policy would not retry anyway is just final, mark or not.
    assertThat(d.decide(AttemptOutcome.Response.http(404), 1, "GET", false, new RetryPushback.DoNotRetry("x")))
        .isEqualTo(new RetryDecision.GiveUp(RetryDecision.Reason.NOT_RETRIABLE, false));
  }

  @Test
  void givingUpMarksOnlyWhenThisHopRetriedOrWasDeniedARetry() {
    RetryDecider twoRetries = new RetryDecider(RetryPolicy.of(2, Set.of(RetryOn.FIVE_XX)), new SplittableRandom(1), null, null);
    assertThat(((RetryDecision.GiveUp) twoRetries.decide(FAIL, 3, "GET")).exhausted()).isTrue();
    // A policy with no retries leaves retrying to the callers: nothing to signal.
    RetryDecider none = new RetryDecider(RetryPolicy.of(0, Set.of(RetryOn.FIVE_XX)), new SplittableRandom(1), null, null);
    RetryDecision.GiveUp g = (RetryDecision.GiveUp) none.decide(FAIL, 1, "GET");
    assertThat(g.reason()).isEqualTo(RetryDecision.Reason.ATTEMPTS_EXHAUSTED);
    assertThat(g.exhausted()).isFalse();
    assertThat(((RetryDecision.GiveUp) twoRetries.decide(FAIL, 1, "POST")).exhausted()).isFalse();
  }
}
