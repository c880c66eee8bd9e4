package io.trellis.waypoint.resilience;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Fault injection for a route (Envoy's HTTP fault filter, Istio's {@code fault}): delay a share of
 * requests, abort a share with a fixed status. The two are drawn independently; a request can be
 * delayed and then aborted, as in Envoy. Delays carry flag {@code DI}, aborts {@code FI}.
 *
 * @param delay the delay fault, or null
 * @param abort the abort fault, or null
 */
public record FaultInjection(@Nullable Delay delay, @Nullable Abort abort) {

  /** Parts per million meaning "every request". */
  public static final int ALL = 1_000_000;

  /**
   * Delay {@code perMillion} of requests by {@code duration}.
   *
   * @param duration the fixed delay
   * @param perMillion the share delayed, in parts per million
   */
  public record Delay(Duration duration, int perMillion) {
    /** Validates. */
    public Delay {
      if (duration.isNegative() || perMillion < 0 || perMillion > ALL) {
        throw new IllegalArgumentException("fault delay needs a duration >= 0 and a share in [0, 1000000] ppm");
      }
    }
  }

  /**
   * Abort {@code perMillion} of requests without calling the upstream.
   *
   * @param httpStatus the HTTP status to answer (200..599); gRPC aborts answer 200
   * @param grpcStatus the {@code grpc-status} to answer with, or null for a plain HTTP abort
   * @param perMillion the share aborted, in parts per million
   */
  public record Abort(int httpStatus, @Nullable Integer grpcStatus, int perMillion) {
    /** Validates. */
    public Abort {
      if (httpStatus < 200 || httpStatus > 599 || perMillion < 0 || perMillion > ALL
          || (grpcStatus != null && (grpcStatus < 0 || grpcStatus > 16))) {
        throw new IllegalArgumentException(
            "fault abort needs a status in [200, 599], a grpc-status in [0, 16] and a share in [0, 1000000] ppm");
      }
    }
  }

  /**
   * What to inject into one request.
   *
   * @param delay how long to hold the request first ({@link Duration#ZERO} for none)
   * @param abort the abort to answer with after the delay, or null to forward
   */
  public record Injected(Duration delay, @Nullable Abort abort) {
    /** Nothing injected. */
    public static final Injected NONE = new Injected(Duration.ZERO, null);
  }

  /** Draws the faults for one request. */
  public Injected draw(RandomGenerator random) {
    Duration d = Duration.ZERO;
    if (delay != null && hit(delay.perMillion(), random)) {
      d = delay.duration();
    }
    Abort a = abort != null && hit(abort.perMillion(), random) ? abort : null;
    return d.isZero() && a == null ? Injected.NONE : new Injected(d, a);
  }

  private static boolean hit(int perMillion, RandomGenerator random) {
    return perMillion >= ALL || (perMillion > 0 && random.nextInt(ALL) < perMillion);
  }
}
