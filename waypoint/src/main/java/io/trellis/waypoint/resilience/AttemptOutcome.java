package io.trellis.waypoint.resilience;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** How one upstream attempt ended, as the retry logic and outlier detection classify it. */
public sealed interface AttemptOutcome {

  /**
   * The upstream answered.
   *
   * @param status the HTTP status
   * @param grpcStatus the {@code grpc-status} from the headers (trailers-only) or trailers, or null
   */
  record Response(int status, @Nullable Integer grpcStatus) implements AttemptOutcome {
    /** An HTTP response without gRPC status. */
    public static Response http(int status) {
      return new Response(status, null);
    }

    /** A gRPC response: HTTP 200 carrying {@code grpc-status}. */
    public static Response grpc(int grpcStatus) {
      return new Response(200, grpcStatus);
    }

    /**
     * Parses a {@code grpc-status} header value; null if absent or not a number (an untrusted
     * value must not throw).
     */
    public static @Nullable Integer parseGrpcStatus(@Nullable String value) {
      if (value == null) {
        return null;
      }
      String v = value.trim().toLowerCase(Locale.ROOT);
      if (v.isEmpty() || v.length() > 3) {
        return null;
      }
      for (int i = 0; i < v.length(); i++) {
        if (!Character.isDigit(v.charAt(i))) {
          return null;
        }
      }
      return Integer.valueOf(v);
    }
  }

  /** The connection to the upstream could not be established (flag {@code UF}). */
  record ConnectFailure() implements AttemptOutcome {}

  /**
   * The upstream reset the stream or closed the connection before a response.
   *
   * @param refusedStream whether it was an HTTP/2 {@code REFUSED_STREAM} (nothing was processed)
   */
  record Reset(boolean refusedStream) implements AttemptOutcome {}

  /** The per-try timeout fired before a response. */
  record PerTryTimeout() implements AttemptOutcome {}

  /** Whether outlier detection counts this as an error (5xx or a locally seen failure). */
  default boolean isServerError() {
    return switch (this) {
      case Response r -> r.status() >= 500;
      case ConnectFailure c -> true;
      case Reset r -> true;
      case PerTryTimeout t -> true;
    };
  }

  /** Whether outlier detection counts this as a gateway failure (502/503/504 or local failure). */
  default boolean isGatewayFailure() {
    return switch (this) {
      case Response r -> r.status() == 502 || r.status() == 503 || r.status() == 504;
      case ConnectFailure c -> true;
      case Reset r -> true;
      case PerTryTimeout t -> true;
    };
  }
}
