package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryBudgetTest {
  private static final long MS = 1_000_000L;

  @Test
  void aFailingUpstreamAt100RpsSeesAtMostTheBudgetedExtraAttempts() {
    AtomicLong now = new AtomicLong(5 * MS);
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(20, Duration.ofSeconds(10), 1), now::get);
    RetryDecider decider = new RetryDecider(RetryPolicy.of(3, Set.of(RetryOn.FIVE_XX)), new SplittableRandom(1), null, budget);
    int requests = 0;
    int attempts = 0;
    for (int second = 0; second < 60; second++) {
      for (int i = 0; i < 100; i++) {
        requests++;
        budget.recordRequest();
        int attempt = 1;
        attempts++;
        while (decider.decide(AttemptOutcome.Response.http(503), attempt, "GET") instanceof RetryDecision.Retry) {
          attempt++;
          attempts++;
        }
        now.addAndGet(10 * MS);
      }
    }
    int retries = attempts - requests;
    // Budget: 20 % of requests plus the floor of 1 retry/s over 60 s. Without a budget it would be 300 %.
    assertThat(retries).isLessThanOrEqualTo((int) (0.2 * requests) + 60);
    assertThat(retries).isGreaterThan((int) (0.18 * requests)); // the budget is actually spent
  }

  @Test
  void theFloorAllowsRetriesForAQuietService() {
    AtomicLong now = new AtomicLong();
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(20, Duration.ofSeconds(10), 2), now::get);
    int granted = 0;
    for (int i = 0; i < 100; i++) {
      if (budget.tryAcquireRetry()) {
        granted++;
      }
    }
    assertThat(granted).isEqualTo(20); // 2/s over a 10 s window, with no requests at all
  }

  @Test
  void theWindowSlidesSoOldRetriesStopCounting() {
    AtomicLong now = new AtomicLong();
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(50, Duration.ofSeconds(10), 0), now::get);
    for (int i = 0; i < 10; i++) {
      budget.recordRequest();
    }
    int first = 0;
    while (budget.tryAcquireRetry()) {
      first++;
    }
    assertThat(first).isEqualTo(5);
    now.addAndGet(Duration.ofSeconds(11).toNanos()); // requests and retries both aged out
    assertThat(budget.tryAcquireRetry()).isFalse();
    for (int i = 0; i < 4; i++) {
      budget.recordRequest();
    }
    assertThat(budget.tryAcquireRetry()).isTrue();
    assertThat(budget.tryAcquireRetry()).isTrue();
    assertThat(budget.tryAcquireRetry()).isFalse();
  }

  @Test
  void worksWithNegativeNanoTime() {
    AtomicLong now = new AtomicLong(-123_456_789_000L);
    RetryBudget budget = new RetryBudget(new RetryBudgetConfig(100, Duration.ofSeconds(10), 0), now::get);
    budget.recordRequest();
    assertThat(budget.tryAcquireRetry()).isTrue();
    assertThat(budget.tryAcquireRetry()).isFalse();
  }

  @Test
  void rejectsInvalidConfig() {
    assertThatThrownBy(() -> new RetryBudgetConfig(120, Duration.ofSeconds(10), 1)).hasMessageContaining("[0, 100]");
    assertThatThrownBy(() -> new RetryBudgetConfig(20, Duration.ofMillis(10), 1)).hasMessageContaining("at least 1s");
    assertThatThrownBy(() -> new RetryBudgetConfig(20, Duration.ofSeconds(10), -1)).hasMessageContaining("minRetriesPerSecond");
  }

  /**
   * A chain of {@code hops} services, each behind a waypoint that retries failed calls to the next;
   * the leaf fails every request. Returns how many requests reach the leaf per client request.
   */
  static double leafAmplification(int hops, int numRetries, boolean budgets) {
    AtomicLong now = new AtomicLong();
    List<RetryBudget> hopBudgets = new ArrayList<>();
    List<RetryDecider> deciders = new ArrayList<>();
    for (int h = 0; h < hops; h++) {
      RetryBudget b = budgets ? new RetryBudget(new RetryBudgetConfig(20, Duration.ofSeconds(10), 1), now::get) : null;
      hopBudgets.add(b);
      deciders.add(new RetryDecider(RetryPolicy.of(numRetries, Set.of(RetryOn.FIVE_XX)), new SplittableRandom(h), null, b));
    }
    long[] leafHits = {0};
    int clientRequests = 6000; // 100 rps for 60 s
    for (int i = 0; i < clientRequests; i++) {
      call(0, hops, hopBudgets, deciders, leafHits);
      now.addAndGet(10 * MS);
    }
    return leafHits[0] / (double) clientRequests;
  }

  /** Waypoint {@code hop} forwards to the next service; true if it got a success. */
  private static boolean call(int hop, int hops, List<RetryBudget> budgets, List<RetryDecider> deciders, long[] leafHits) {
    RetryBudget budget = budgets.get(hop);
    if (budget != null) {
      budget.recordRequest();
    }
    int attempt = 1;
    while (true) {
      boolean ok;
      if (hop == hops - 1) {
        leafHits[0]++;
        ok = false; // the leaf always fails
      } else {
        ok = call(hop + 1, hops, budgets, deciders, leafHits); // that service calls the next waypoint
      }
      if (ok) {
        return true;
      }
      RetryDecision d = deciders.get(hop).decide(AttemptOutcome.Response.http(503), attempt, "GET");
      if (!(d instanceof RetryDecision.Retry)) {
        return false;
      }
      attempt++;
    }
  }

  static Stream<Arguments> chains() {
    return Stream.of(Arguments.of(3, 1), Arguments.of(3, 3), Arguments.of(5, 1));
  }

  @ParameterizedTest(name = "{0} hops, {1} retries each")
  @MethodSource("chains")
  void budgetsStopRetriesMultiplyingThroughAChain(int hops, int numRetries) {
    double naive = leafAmplification(hops, numRetries, false);
    double budgeted = leafAmplification(hops, numRetries, true);
    System.out.printf("retry amplification hops=%d retries=%d naive=%.2fx budgeted=%.2fx%n", hops, numRetries, naive, budgeted);
    assertThat(naive).isEqualTo(Math.pow(1 + numRetries, hops));
    // Each hop adds at most 20 % (+ a floor of 1 retry/s = 1 % at 100 rps) to what it receives.
    assertThat(budgeted).isLessThanOrEqualTo(Math.pow(1.21, hops));
    assertThat(budgeted).isLessThan(naive / 3);
  }
}
