package io.trellis.waypoint.lb;

import io.trellis.waypoint.ResponseFlag;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Picks an endpoint of one cluster for each request. An instance belongs to one event loop.
 *
 * <p>{@link #pick} returns null when no endpoint is available; the data path answers 503 with
 * {@link #NO_HEALTHY_FLAG} ({@code UH}). There is no Envoy-style panic mode: unavailable
 * endpoints are never picked.
 */
public sealed interface LoadBalancer permits RoundRobin, LeastRequest, RingHash {
  /** The flag for "no endpoint available". */
  ResponseFlag NO_HEALTHY_FLAG = ResponseFlag.NO_HEALTHY_UPSTREAM;

  /**
   * Picks an endpoint.
   *
   * @param hashKey the request's hash key (used by ring hash only); null for a random pick
   */
  @Nullable Endpoint pick(@Nullable String hashKey);

  /** Tells the balancer a request to {@code endpoint} started (least request counts these). */
  default void requestStarted(Endpoint endpoint) {}

  /** Tells the balancer a request to {@code endpoint} ended. */
  default void requestFinished(Endpoint endpoint) {}

  /** A balancer of {@code policy} over {@code endpoints}. */
  static LoadBalancer create(LbPolicy policy, List<Endpoint> endpoints, EndpointFilter filter, RandomGenerator random) {
    return switch (policy) {
      case LbPolicy.RoundRobin rr -> new RoundRobin(endpoints, filter);
      case LbPolicy.LeastRequest lr -> new LeastRequest(endpoints, filter, random, lr.choiceCount());
      case LbPolicy.RingHash rh -> new RingHash(endpoints, filter, random, rh);
    };
  }
}
