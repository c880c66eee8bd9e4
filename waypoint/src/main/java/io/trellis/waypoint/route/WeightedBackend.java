package io.trellis.waypoint.route;

/**
 * One backend of a route with its share of traffic.
 *
 * @param cluster the upstream cluster name (resolved through CDS/EDS)
 * @param weight a non-negative weight; 0 means the backend gets no traffic
 */
public record WeightedBackend(String cluster, int weight) {
  /** Validates the weight. */
  public WeightedBackend {
    if (weight < 0) {
      throw new IllegalArgumentException("backend " + cluster + ": weight must be >= 0, got " + weight);
    }
  }
}
