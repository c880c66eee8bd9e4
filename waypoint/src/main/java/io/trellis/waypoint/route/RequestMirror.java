package io.trellis.waypoint.route;

import java.util.random.RandomGenerator;

/**
 * Gateway API {@code RequestMirror} / Envoy {@code request_mirror_policies}: a copy of the request
 * is sent to {@code cluster}, fire-and-forget (its response is discarded and never delays or
 * fails the main request).
 *
 * @param cluster where copies go
 * @param perMillion the share of requests mirrored, in parts per million (1,000,000 = all)
 */
public record RequestMirror(String cluster, int perMillion) {
  /** Parts per million meaning "every request". */
  public static final int ALL = 1_000_000;

  /** Validates the fraction. */
  public RequestMirror {
    if (perMillion < 0 || perMillion > ALL) {
      throw new IllegalArgumentException("mirror to " + cluster + ": fraction must be in [0, 1000000] ppm, got " + perMillion);
    }
  }

  /** Whether this request should be mirrored. */
  public boolean shouldMirror(RandomGenerator random) {
    return perMillion >= ALL || (perMillion > 0 && random.nextInt(ALL) < perMillion);
  }
}
