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

  /** How the waypoints of a chain retry. */
  enum Mode {
    /** Every hop retries up to its policy, no budget. */
    NAIVE,
    /** Every hop has a retry budget. */
    BUDGET,
    /** Budgets, and the retry-exhausted signal: a hop that gave up marks the response, hops above do not retry it. */
    BUDGET_AND_SIGNAL
  }

  /** The chain's budget: 20 % over 10 s with a floor of 1 retry/s. */
  static final RetryBudgetConfig CHAIN_BUDGET = new RetryBudgetConfig(20, Duration.ofSeconds(10), 1);
  static final int CLIENT_REQUESTS = 6000;
  static final long CLIENT_INTERVAL_NANOS = 10 * MS; // 100 rps for 60 s

  /**
   * A chain of {@code hops} services, each behind a waypoint that retries failed calls to the next
   * (the services relay the failure, with its mark, to their caller); the leaf fails every request.
   * Returns how many requests reach the leaf for {@link #CLIENT_REQUESTS} client requests.
   */
  static long leafRequests(int hops, int numRetries, Mode mode) {
    AtomicLong now = new AtomicLong();
    List<RetryBudget> hopBudgets = new ArrayList<>();
    List<RetryDecider> deciders = new ArrayList<>();
    for (int h = 0; h < hops; h++) {
      RetryBudget b = mode == Mode.NAIVE ? null : new RetryBudget(CHAIN_BUDGET, now::get);
      hopBudgets.add(b);
      deciders.add(new RetryDecider(RetryPolicy.of(numRetries, Set.of(RetryOn.FIVE_XX)), new SplittableRandom(h), null, b));
    }
    long[] leafHits = {0};
    for (int i = 0; i < CLIENT_REQUESTS; i++) {
      call(0, hops, hopBudgets, deciders, mode == Mode.BUDGET_AND_SIGNAL, leafHits);
      now.addAndGet(CLIENT_INTERVAL_NANOS);
    }
    return leafHits[0];
  }

  /** What a hop hands back to its caller. */
  enum Result { OK, FAILED, FAILED_EXHAUSTED }

  /** Waypoint {@code hop} forwards to the next service, as {@code Exchange} does. */
  private static Result call(int hop, int hops, List<RetryBudget> budgets, List<RetryDecider> deciders, boolean signal,
      long[] leafHits) {
    RetryBudget budget = budgets.get(hop);
    if (budget != null) {
      budget.recordRequest();
    }
    int attempt = 1;
    while (true) {
      Result r;
      if (hop == hops - 1) {
        leafHits[0]++;
        r = Result.FAILED; // the leaf always fails
      } else {
        r = call(hop + 1, hops, budgets, deciders, signal, leafHits); // that service calls the next waypoint
      }
      if (r == Result.OK) {
        return r;
      }
      // The mark as it travels on the wire: the header a waypoint below set, read back by this one.
      RetryPushback pushback = RetryPushback.of(503, r == Result.FAILED_EXHAUSTED ? "true" : null, null, null, signal);
      RetryDecision d = deciders.get(hop).decide(AttemptOutcome.Response.http(503), attempt, "GET", false, pushback);
      if (d instanceof RetryDecision.GiveUp giveUp) {
        return signal && giveUp.exhausted() ? Result.FAILED_EXHAUSTED : Result.FAILED;
      }
      attempt++;
    }
  }

  /**
   * The most requests a leaf may see when only the hop above it retries, within its budget: each
   * client request once, plus {@code percent} % of them, plus the floor over the run and one window
   * (the window still holds the floor's allowance when the run starts).
   */
  static double budgetBound(RetryBudgetConfig config, int clientRequests, long intervalNanos) {
    double runSeconds = clientRequests * (double) intervalNanos / 1e9;
    double windowSeconds = config.window().toNanos() / 1e9;
    return clientRequests * (1 + config.percent() / 100.0) + config.minRetriesPerSecond() * (runSeconds + windowSeconds);
  }

  static Stream<Arguments> chains() {
    return Stream.of(Arguments.of(3, 1), Arguments.of(3, 3), Arguments.of(5, 1));
  }

  @ParameterizedTest(name = "{0} hops, {1} retries each")
  @MethodSource("chains")
  void budgetsAndTheExhaustedSignalStopRetriesMultiplyingThroughAChain(int hops, int numRetries) {
    long naive = leafRequests(hops, numRetries, Mode.NAIVE);
    long budgeted = leafRequests(hops, numRetries, Mode.BUDGET);
    long signalled = leafRequests(hops, numRetries, Mode.BUDGET_AND_SIGNAL);
    double n = CLIENT_REQUESTS;
    System.out.printf("retry amplification hops=%d retries=%d client_requests=%d leaf_requests naive=%d (%.2fx)"
        + " budgets=%d (%.2fx) budgets+signal=%d (%.2fx)%n", hops, numRetries, CLIENT_REQUESTS, naive, naive / n,
        budgeted, budgeted / n, signalled, signalled / n);
    // Naive retries really multiply: (1 + retries)^hops, 2^5 = 32x for five hops with one retry each.
    assertThat(naive).isEqualTo((long) Math.pow(1 + numRetries, hops) * CLIENT_REQUESTS);
    // Per-hop budgets cap each hop's growth, but the caps compound: each hop adds up to percent % (+ floor).
    double clientRps = 1e9 / CLIENT_INTERVAL_NANOS;
    double perHop = 1 + CHAIN_BUDGET.percent() / 100.0 + CHAIN_BUDGET.minRetriesPerSecond() / clientRps;
    assertThat(budgeted / n).isLessThanOrEqualTo(Math.pow(perHop, hops));
    // With the signal only the hop above the leaf retries: the whole chain stays within one budget.
    double bound = budgetBound(CHAIN_BUDGET, CLIENT_REQUESTS, CLIENT_INTERVAL_NANOS);
    assertThat((double) signalled).isLessThanOrEqualTo(bound);
    assertThat(signalled).isGreaterThan(CLIENT_REQUESTS + CLIENT_REQUESTS / 10); // that hop still spends its budget
    if (hops > 1) {
      assertThat(signalled).isLessThan(budgeted);
    }
  }

  @Test
  void fiveHopsWithOneRetryEachAre32xNaiveAndWithinTheRatioWithBudgetsAndTheSignal() {
    long naive = leafRequests(5, 1, Mode.NAIVE);
    long budgeted = leafRequests(5, 1, Mode.BUDGET);
    long signalled = leafRequests(5, 1, Mode.BUDGET_AND_SIGNAL);
    assertThat(naive).isEqualTo(32L * CLIENT_REQUESTS);
    // Budgets alone compound across the hops: well above one hop's ratio.
    assertThat((double) budgeted).isGreaterThan(budgetBound(CHAIN_BUDGET, CLIENT_REQUESTS, CLIENT_INTERVAL_NANOS));
    assertThat((double) signalled).isLessThanOrEqualTo(budgetBound(CHAIN_BUDGET, CLIENT_REQUESTS, CLIENT_INTERVAL_NANOS));
  }
}
