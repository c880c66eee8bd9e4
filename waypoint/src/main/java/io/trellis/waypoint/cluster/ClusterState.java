package io.trellis.waypoint.cluster;

import io.trellis.waypoint.config.ClusterSettings;
import io.trellis.waypoint.lb.Endpoint;
import io.trellis.waypoint.lb.EndpointFilter;
import io.trellis.waypoint.lb.LoadBalancer;
import io.trellis.waypoint.resilience.AttemptOutcome;
import io.trellis.waypoint.resilience.CircuitBreakers;
import io.trellis.waypoint.resilience.OutlierDetector;
import io.trellis.waypoint.resilience.RetryBudget;
import io.trellis.waypoint.resilience.RetryDecider;
import io.trellis.waypoint.resilience.RetryPolicy;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * One cluster's shared runtime state. Breakers, outlier detector and retry budget are shared by
 * every event loop (all lock-free); load balancers are per loop, created by
 * {@link #newLoadBalancer} and recreated when {@link #endpointsVersion()} changes.
 *
 * <p>The data path's use per request: {@link #breakers()} {@code tryAcquire(REQUESTS)} (null:
 * 503 {@code UO}); {@link #recordRequest()}; pick with its loop's balancer (null: 503
 * {@code UH}); after each attempt {@link #recordOutcome} and ask its {@link RetryDecider}.
 */
public final class ClusterState {
  private final ClusterSettings settings;
  private final CircuitBreakers breakers;
  private final @Nullable OutlierDetector outliers;
  private final @Nullable RetryBudget budget;
  private final EndpointFilter filter;
  private volatile Snapshot endpoints;

  private record Snapshot(List<Endpoint> endpoints, long version) {}

  /**
   * State for a cluster, with the settings' static endpoints (empty for EDS until the first
   * {@link #updateEndpoints}).
   *
   * @param settings the translated CDS cluster
   * @param nanoTime a monotonic clock for outlier detection and the retry budget
   * @param sharedRandom a thread-safe random source for outlier enforcement percentages
   */
  public ClusterState(ClusterSettings settings, LongSupplier nanoTime, RandomGenerator sharedRandom) {
    this.settings = settings;
    this.breakers = new CircuitBreakers(settings.circuitBreakers());
    this.outliers = settings.outlierDetection() == null
        ? null : new OutlierDetector(settings.name(), settings.outlierDetection(), nanoTime, sharedRandom);
    this.budget = settings.retryBudget() == null ? null : new RetryBudget(settings.retryBudget(), nanoTime);
    this.filter = outliers == null ? EndpointFilter.healthOnly() : EndpointFilter.healthAndOutliers(outliers);
    this.endpoints = new Snapshot(List.of(), 0);
    updateEndpoints(settings.staticEndpoints());
  }

  /** The settings. */
  public ClusterSettings settings() {
    return settings;
  }

  /** The shared circuit breakers. */
  public CircuitBreakers breakers() {
    return breakers;
  }

  /** Replaces the endpoints (an EDS update); outlier state of endpoints that stay is kept. */
  public void updateEndpoints(List<Endpoint> newEndpoints) {
    List<Endpoint> copy = List.copyOf(newEndpoints);
    if (outliers != null) {
      outliers.setEndpoints(copy.stream().map(Endpoint::address).toList());
    }
    endpoints = new Snapshot(copy, endpoints.version() + 1);
  }

  /** The current endpoints. */
  public List<Endpoint> endpoints() {
    return endpoints.endpoints();
  }

  /** Changes with every {@link #updateEndpoints}; a loop rebuilds its balancer when it changes. */
  public long endpointsVersion() {
    return endpoints.version();
  }

  /** A balancer over the current endpoints for one event loop. */
  public LoadBalancer newLoadBalancer(RandomGenerator loopRandom) {
    return LoadBalancer.create(settings.lbPolicy(), endpoints.endpoints(), filter, loopRandom);
  }

  /** Counts an original request towards the retry budget. */
  public void recordRequest() {
    if (budget != null) {
      budget.recordRequest();
    }
  }

  /** Feeds outlier detection; returns an ejection if this outcome caused one. */
  public Optional<OutlierDetector.Ejection> recordOutcome(Endpoint endpoint, AttemptOutcome outcome) {
    return outliers == null ? Optional.empty() : outliers.record(endpoint.address(), outcome);
  }

  /** Whether {@code endpoint} is ejected now. */
  public boolean isEjected(Endpoint endpoint) {
    return outliers != null && outliers.isEjected(endpoint.address());
  }

  /** Periodic outlier maintenance; call every {@code outlier_detection.interval}. */
  public void tick() {
    if (outliers != null) {
      outliers.tick();
    }
  }

  /**
   * A retry decider for {@code policy} on this cluster, using its breakers and budget. It holds no
   * per-request state, so one per event loop and policy can be reused.
   */
  public RetryDecider retryDecider(RetryPolicy policy, RandomGenerator loopRandom) {
    return new RetryDecider(policy, loopRandom, breakers, budget);
  }
}
