package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CircuitBreakersTest {

  static Stream<Arguments> limits() {
    CircuitBreakerThresholds t = new CircuitBreakerThresholds(2, 3, 4, 1, null);
    return Stream.of(
        Arguments.of(t, CircuitBreakers.Resource.CONNECTIONS, 2),
        Arguments.of(t, CircuitBreakers.Resource.PENDING_REQUESTS, 3),
        Arguments.of(t, CircuitBreakers.Resource.REQUESTS, 4),
        Arguments.of(t, CircuitBreakers.Resource.RETRIES, 1),
        Arguments.of(CircuitBreakerThresholds.DEFAULT, CircuitBreakers.Resource.REQUESTS, 1024),
        Arguments.of(CircuitBreakerThresholds.DEFAULT, CircuitBreakers.Resource.RETRIES, 3));
  }

  @ParameterizedTest(name = "{1} limit {2}")
  @MethodSource("limits")
  void overflowsAtTheThresholdAndRecoversOnRelease(CircuitBreakerThresholds t, CircuitBreakers.Resource r, int limit) {
    CircuitBreakers cb = new CircuitBreakers(t);
    List<CircuitBreakers.Permit> held = new ArrayList<>();
    for (int i = 0; i < limit; i++) {
      CircuitBreakers.Permit p = cb.tryAcquire(r);
      assertThat(p).isNotNull();
      held.add(p);
    }
    assertThat(cb.tryAcquire(r)).isNull();
    assertThat(cb.overflows(r)).isEqualTo(1);
    assertThat(CircuitBreakers.OVERFLOW_FLAG.code()).isEqualTo("UO");
    held.getFirst().release();
    held.getFirst().release(); // idempotent
    assertThat(cb.active(r)).isEqualTo(limit - 1);
    assertThat(cb.tryAcquire(r)).isNotNull();
  }

  @Test
  void envoyRetryBudgetScalesMaxRetriesWithActiveRequests() {
    CircuitBreakers cb = new CircuitBreakers(new CircuitBreakerThresholds(1024, 1024, 1024, 3,
        new CircuitBreakerThresholds.ConcurrencyRetryBudget(20, 3)));
    assertThat(cb.limit(CircuitBreakers.Resource.RETRIES)).isEqualTo(3); // floor
    for (int i = 0; i < 100; i++) {
      cb.tryAcquire(CircuitBreakers.Resource.REQUESTS);
    }
    for (int i = 0; i < 50; i++) {
      cb.tryAcquire(CircuitBreakers.Resource.PENDING_REQUESTS);
    }
    assertThat(cb.limit(CircuitBreakers.Resource.RETRIES)).isEqualTo(30); // 20 % of 150
  }

  @Test
  void concurrentAcquireNeverExceedsTheLimit() throws Exception {
    CircuitBreakers cb = new CircuitBreakers(new CircuitBreakerThresholds(1024, 1024, 50, 3, null));
    int threads = 4;
    AtomicInteger maxSeen = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = Thread.ofPlatform().start(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < 20_000; i++) {
          CircuitBreakers.Permit p = cb.tryAcquire(CircuitBreakers.Resource.REQUESTS);
          if (p != null) {
            maxSeen.accumulateAndGet(cb.active(CircuitBreakers.Resource.REQUESTS), Math::max);
            p.release();
          }
        }
      });
      ts.add(th);
    }
    start.countDown();
    for (Thread th : ts) {
      th.join();
    }
    assertThat(maxSeen.get()).isLessThanOrEqualTo(50);
    assertThat(cb.active(CircuitBreakers.Resource.REQUESTS)).isZero();
  }
}
