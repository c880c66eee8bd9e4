package io.trellis.waypoint.lb;

/** Which load balancer a cluster uses, with its settings (Envoy {@code lb_policy}). */
public sealed interface LbPolicy {
  /** Weighted round robin. */
  record RoundRobin() implements LbPolicy {}

  /**
   * Least request: sample {@code choiceCount} random endpoints and take the one with the fewest
   * active requests (weight-adjusted when weights differ).
   *
   * @param choiceCount how many to sample (Envoy default 2: power of two choices)
   */
  record LeastRequest(int choiceCount) implements LbPolicy {
    /** Validates. */
    public LeastRequest {
      if (choiceCount < 2) {
        throw new IllegalArgumentException("least request choice_count must be >= 2, got " + choiceCount);
      }
    }
  }

  /**
   * Consistent hashing on a ring.
   *
   * @param minimumRingSize at least this many ring entries (Envoy default 1024)
   * @param maximumRingSize at most this many (Envoy default 8M)
   */
  record RingHash(int minimumRingSize, int maximumRingSize) implements LbPolicy {
    /** Envoy's defaults. */
    public static final RingHash DEFAULT = new RingHash(1024, 8 * 1024 * 1024);

    /** Validates. */
    public RingHash {
      if (minimumRingSize < 1 || maximumRingSize < minimumRingSize) {
        throw new IllegalArgumentException(
            "ring hash needs 1 <= minimum_ring_size <= maximum_ring_size, got " + minimumRingSize + ", " + maximumRingSize);
      }
    }
  }
}
