package io.trellis.waypoint.lb;

/**
 * One upstream endpoint of a cluster.
 *
 * @param address {@code ip:port} (bracketed for IPv6), also its identity for hashing and
 *     outlier detection
 * @param weight a load-balancing weight, at least 1
 * @param health the health reported by the control plane
 * @param metadata who runs there: the identity its HBONE server must present and its workload labels
 */
public record Endpoint(String address, int weight, Health health, EndpointMetadata metadata) {
  /** Validates. */
  public Endpoint {
    if (weight < 1) {
      throw new IllegalArgumentException("endpoint " + address + ": weight must be >= 1, got " + weight);
    }
  }

  /** An endpoint the control plane said nothing more about ({@link EndpointMetadata#NONE}). */
  public Endpoint(String address, int weight, Health health) {
    this(address, weight, health, EndpointMetadata.NONE);
  }

  /** A healthy endpoint of weight 1. */
  public static Endpoint of(String address) {
    return new Endpoint(address, 1, Health.HEALTHY);
  }

  /** Health as the control plane reports it (Envoy's {@code HealthStatus}, simplified). */
  public enum Health {
    /** Serving. */
    HEALTHY,
    /** Health unknown; treated as serving, as Envoy does. */
    UNKNOWN,
    /** Not serving. */
    UNHEALTHY,
    /** Shutting down; gets no new requests. */
    DRAINING;

    /** Whether new requests may go to an endpoint in this state. */
    public boolean routable() {
      return this == HEALTHY || this == UNKNOWN;
    }
  }
}
