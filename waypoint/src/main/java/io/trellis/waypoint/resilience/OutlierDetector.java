package io.trellis.waypoint.resilience;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consecutive-error outlier detection for one cluster's endpoints, shared by every event loop
 * without locks.
 *
 * <p>The data path reports every attempt's outcome with {@link #record}; after
 * {@code consecutive5xx} server errors (or {@code consecutiveGatewayFailure} gateway errors) in
 * a row the endpoint is ejected for {@code baseEjectionTime * timesEjected}, capped at
 * {@code maxEjectionTime}, unless {@code maxEjectionPercent} of endpoints are already ejected
 * (one endpoint may always be ejected). Ejection ends by itself once the injected clock passes
 * its end; {@link #tick()} (called every {@code interval}) lowers the multiplier of endpoints
 * that have stayed healthy.
 *
 * <p>Approximations under contention: two threads ejecting at once may exceed the max percent by
 * one endpoint. The {@code random} used for enforcement percentages must be thread-safe if the
 * detector is shared (it is only consulted for percentages strictly between 0 and 100).
 */
public final class OutlierDetector {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);
  private static final long NOT_EJECTED = Long.MIN_VALUE;

  private final String cluster;
  private final OutlierDetectionConfig config;
  private final LongSupplier nanoTime;
  private final RandomGenerator random;
  private final ConcurrentHashMap<String, HostState> hosts = new ConcurrentHashMap<>();

  /**
   * A detector.
   *
   * @param cluster the cluster name, for log lines
   * @param config thresholds and times
   * @param nanoTime a monotonic clock
   * @param random decides enforcement percentages
   */
  public OutlierDetector(String cluster, OutlierDetectionConfig config, LongSupplier nanoTime, RandomGenerator random) {
    this.cluster = cluster;
    this.config = config;
    this.nanoTime = nanoTime;
    this.random = random;
  }

  /** An ejection that just happened, for logs and metrics. */
  public record Ejection(String address, int timesEjected, Duration duration, String reason) {}

  /** Sets the cluster's endpoints (after an EDS update): new ones start clean, gone ones are forgotten. */
  public void setEndpoints(Collection<String> addresses) {
    Set<String> keep = Set.copyOf(addresses);
    hosts.keySet().retainAll(keep);
    for (String a : keep) {
      hosts.computeIfAbsent(a, k -> new HostState());
    }
  }

  /**
   * Records how an attempt to {@code address} ended and ejects it if that completes a run of
   * errors. Returns the ejection if one happened.
   */
  public Optional<Ejection> record(String address, AttemptOutcome outcome) {
    HostState h = hosts.get(address);
    if (h == null) {
      return Optional.empty(); // endpoint removed meanwhile
    }
    if (!outcome.isServerError()) {
      h.consecutive5xx.set(0);
      h.consecutiveGateway.set(0);
      return Optional.empty();
    }
    int fiveXx = h.consecutive5xx.incrementAndGet();
    int gateway = outcome.isGatewayFailure() ? h.consecutiveGateway.incrementAndGet() : resetTo0(h.consecutiveGateway);
    if (fiveXx >= config.consecutive5xx() && enforced(config.enforcingConsecutive5xx())) {
      return eject(address, h, "consecutive_5xx");
    }
    if (gateway >= config.consecutiveGatewayFailure() && enforced(config.enforcingConsecutiveGatewayFailure())) {
      return eject(address, h, "consecutive_gateway_failure");
    }
    return Optional.empty();
  }

  /** Whether {@code address} is ejected now. An ejection whose time has passed ends here. */
  public boolean isEjected(String address) {
    HostState h = hosts.get(address);
    if (h == null) {
      return false;
    }
    long until = h.ejectedUntil.get();
    if (until == NOT_EJECTED) {
      return false;
    }
    long now = nanoTime.getAsLong();
    if (now - until < 0) {
      return true;
    }
    if (h.ejectedUntil.compareAndSet(until, NOT_EJECTED)) {
      h.unejectedAt.set(now);
      log.info("event=outlier_unejected cluster={} endpoint={}", cluster, address);
    }
    return false;
  }

  /** How many endpoints are ejected now. */
  public int ejectedCount() {
    int n = 0;
    for (String a : hosts.keySet()) {
      if (isEjected(a)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Periodic maintenance, every {@code interval}: ends expired ejections and lowers by one the
   * ejection multiplier of each endpoint that has been back for at least an interval.
   */
  public void tick() {
    long now = nanoTime.getAsLong();
    for (var e : hosts.entrySet()) {
      HostState h = e.getValue();
      if (!isEjected(e.getKey()) && h.timesEjected.get() > 0
          && now - h.unejectedAt.get() >= config.interval().toNanos()) {
        h.timesEjected.updateAndGet(t -> Math.max(0, t - 1));
        h.unejectedAt.set(now);
      }
    }
  }

  private Optional<Ejection> eject(String address, HostState h, String reason) {
    long until = h.ejectedUntil.get();
    long now = nanoTime.getAsLong();
    if (until != NOT_EJECTED && now - until < 0) {
      return Optional.empty(); // already ejected
    }
    int ejected = ejectedCount();
    if (ejected > 0 && ejected * 100.0 / hosts.size() >= config.maxEjectionPercent()) {
      return Optional.empty();
    }
    int times = h.timesEjected.get() + 1;
    long base = config.baseEjectionTime().toNanos();
    long cap = Math.max(base, config.maxEjectionTime().toNanos());
    long duration = times > cap / base ? cap : Math.min(cap, base * times);
    if (!h.ejectedUntil.compareAndSet(until, now + duration)) {
      return Optional.empty(); // another thread ejected it first
    }
    h.timesEjected.set(times);
    h.consecutive5xx.set(0);
    h.consecutiveGateway.set(0);
    Ejection ejection = new Ejection(address, times, Duration.ofNanos(duration), reason);
    log.info("event=outlier_ejected cluster={} endpoint={} reason={} times={} duration_ms={}",
        cluster, address, reason, times, duration / 1_000_000);
    return Optional.of(ejection);
  }

  private boolean enforced(int percent) {
    return percent >= 100 || (percent > 0 && random.nextInt(100) < percent);
  }

  private static int resetTo0(AtomicInteger counter) {
    counter.set(0);
    return 0;
  }

  private static final class HostState {
    final AtomicInteger consecutive5xx = new AtomicInteger();
    final AtomicInteger consecutiveGateway = new AtomicInteger();
    final AtomicInteger timesEjected = new AtomicInteger();
    final AtomicLong ejectedUntil = new AtomicLong(NOT_EJECTED);
    final AtomicLong unejectedAt = new AtomicLong();
  }
}
