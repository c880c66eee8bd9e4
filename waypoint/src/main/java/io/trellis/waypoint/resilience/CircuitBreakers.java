package io.trellis.waypoint.resilience;

import io.trellis.waypoint.ResponseFlag;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's circuit breakers as non-blocking counters, shared by every event loop.
 *
 * <p>{@link #tryAcquire} never blocks and never locks: it returns a {@link Permit} or null
 * when the resource is at its threshold, and the data path then answers 503 with
 * {@link #OVERFLOW_FLAG} ({@code UO}). A permit is released exactly once, however often
 * {@link Permit#release()} is called.
 */
public final class CircuitBreakers {
  /** The response flag for a request refused by a breaker. */
  public static final ResponseFlag OVERFLOW_FLAG = ResponseFlag.UPSTREAM_OVERFLOW;

  /** The resources a breaker guards. */
  public enum Resource {
    /** Open upstream connections. */
    CONNECTIONS,
    /** Requests waiting for a connection. */
    PENDING_REQUESTS,
    /** Requests in flight. */
    REQUESTS,
    /** Retries in flight. */
    RETRIES
  }

  private final CircuitBreakerThresholds thresholds;
  private final AtomicInteger[] active = new AtomicInteger[Resource.values().length];
  private final LongAdder[] overflows = new LongAdder[Resource.values().length];

  /** Breakers with these thresholds, all counters at zero. */
  public CircuitBreakers(CircuitBreakerThresholds thresholds) {
    this.thresholds = thresholds;
    for (int i = 0; i < active.length; i++) {
      active[i] = new AtomicInteger();
      overflows[i] = new LongAdder();
    }
  }

  /** The thresholds. */
  public CircuitBreakerThresholds thresholds() {
    return thresholds;
  }

  /** Takes one unit of {@code resource}, or returns null (and counts an overflow) if full. */
  public @Nullable Permit tryAcquire(Resource resource) {
    AtomicInteger counter = active[resource.ordinal()];
    int limit = limit(resource);
    for (;;) {
      int current = counter.get();
      if (current >= limit) {
        overflows[resource.ordinal()].increment();
        return null;
      }
      if (counter.compareAndSet(current, current + 1)) {
        return new Permit(counter);
      }
    }
  }

  /** The current limit for {@code resource}; for retries it follows the retry budget if set. */
  public int limit(Resource resource) {
    return switch (resource) {
      case CONNECTIONS -> thresholds.maxConnections();
      case PENDING_REQUESTS -> thresholds.maxPendingRequests();
      case REQUESTS -> thresholds.maxRequests();
      case RETRIES -> {
        CircuitBreakerThresholds.ConcurrencyRetryBudget b = thresholds.retryBudget();
        if (b == null) {
          yield thresholds.maxRetries();
        }
        int base = active(Resource.REQUESTS) + active(Resource.PENDING_REQUESTS);
        yield Math.max(b.minRetryConcurrency(), (int) (base * b.budgetPercent() / 100.0));
      }
    };
  }

  /** Units of {@code resource} held now. */
  public int active(Resource resource) {
    return active[resource.ordinal()].get();
  }

  /** How many acquisitions of {@code resource} were refused since creation. */
  public long overflows(Resource resource) {
    return overflows[resource.ordinal()].sum();
  }

  /** One held unit of a resource; release it when the connection, request or retry ends. */
  public static final class Permit {
    private static final VarHandle RELEASED;

    static {
      try {
        RELEASED = MethodHandles.lookup().findVarHandle(Permit.class, "released", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final AtomicInteger counter;

    @SuppressWarnings("unused") // accessed through RELEASED
    private volatile int released;

    private Permit(AtomicInteger counter) {
      this.counter = counter;
    }

    /** Gives the unit back; only the first call has an effect. */
    public void release() {
      if (RELEASED.compareAndSet(this, 0, 1)) {
        counter.decrementAndGet();
      }
    }
  }
}
