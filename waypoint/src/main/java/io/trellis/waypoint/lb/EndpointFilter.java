package io.trellis.waypoint.lb;

/**
 * Decides whether an endpoint may get new requests right now, combining control-plane health
 * and outlier ejection.
 */
@FunctionalInterface
public interface EndpointFilter {
  /** Whether {@code endpoint} may be picked. */
  boolean available(Endpoint endpoint);

  /** Routable by health only (no outlier detection). */
  static EndpointFilter healthOnly() {
    return e -> e.health().routable();
  }

  /** Routable by health and not ejected by {@code detector}. */
  static EndpointFilter healthAndOutliers(io.trellis.waypoint.resilience.OutlierDetector detector) {
    return e -> e.health().routable() && !detector.isEjected(e.address());
  }
}
