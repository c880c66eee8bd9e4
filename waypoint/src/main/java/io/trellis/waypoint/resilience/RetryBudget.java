package io.trellis.waypoint.resilience;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * A per-cluster retry budget over a sliding window, shared by every event loop without locks.
 *
 * <p>The window is split into {@value #BUCKETS} buckets of requests and retries. A retry is
 * allowed while {@code retries + 1 <= percent/100 * requests + minRetriesPerSecond * windowSeconds}
 * over the buckets of the current window. Because every hop of a call chain counts the retries
 * it receives as requests, each hop can add at most {@code percent} % to the traffic it sends:
 * with budgets, a chain of {@code n} retrying hops multiplies load by at most
 * {@code (1 + percent/100)^n} (plus the floor) instead of {@code (1 + retries)^n}.
 *
 * <p>Counting is approximate under contention: a bucket reset racing an increment may lose that
 * increment, and two threads may both take the last token. Both errors are bounded by the number
 * of threads and keep the budget's purpose (no retry storms).
 */
public final class RetryBudget {
  static final int BUCKETS = 10;

  private final RetryBudgetConfig config;
  private final LongSupplier nanoTime;
  private final long bucketNanos;
  private final AtomicLongArray epochs = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray requests = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray retries = new AtomicLongArray(BUCKETS);

  /**
   * A budget.
   *
   * @param config the ratio, window and floor
   * @param nanoTime a monotonic clock ({@code System::nanoTime} in production)
   */
  public RetryBudget(RetryBudgetConfig config, LongSupplier nanoTime) {
    this.config = config;
    this.nanoTime = nanoTime;
    this.bucketNanos = config.window().toNanos() / BUCKETS;
    for (int i = 0; i < BUCKETS; i++) {
      epochs.set(i, Long.MIN_VALUE);
    }
  }

  /** The configuration. */
  public RetryBudgetConfig config() {
    return config;
  }

  /** Counts one original request (not a retry) sent to the cluster. */
  public void recordRequest() {
    requests.incrementAndGet(current(nanoTime.getAsLong()));
  }

  /** Takes one retry from the budget; false if the budget is spent. */
  public boolean tryAcquireRetry() {
    long now = nanoTime.getAsLong();
    int idx = current(now);
    long epoch = Math.floorDiv(now, bucketNanos);
    long req = 0;
    long ret = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long e = epochs.get(i);
      if (e > epoch - BUCKETS && e <= epoch) {
        req += requests.get(i);
        ret += retries.get(i);
      }
    }
    double windowSeconds = config.window().toNanos() / 1e9;
    double allowed = config.percent() / 100.0 * req + config.minRetriesPerSecond() * windowSeconds;
    if (ret + 1 > allowed) {
      return false;
    }
    retries.incrementAndGet(idx);
    return true;
  }

  /** The bucket for {@code now}, cleared first if it still holds an older window's counts. */
  private int current(long now) {
    long epoch = Math.floorDiv(now, bucketNanos);
    int idx = (int) Math.floorMod(epoch, (long) BUCKETS);
    long seen = epochs.get(idx);
    if (seen != epoch && seen < epoch && epochs.compareAndSet(idx, seen, epoch)) {
      requests.set(idx, 0);
      retries.set(idx, 0);
    }
    return idx;
  }
}
