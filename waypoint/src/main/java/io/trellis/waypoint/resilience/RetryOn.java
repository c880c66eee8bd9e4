package io.trellis.waypoint.resilience;

import java.util.Optional;

/** The conditions of Envoy's {@code retry_on} (HTTP and gRPC) that the waypoint implements. */
public enum RetryOn {
  /** Any 5xx response, a reset, a connect failure, a refused stream or a per-try timeout. */
  FIVE_XX("5xx"),
  /** 502, 503 or 504, a reset, a connect failure or a per-try timeout. */
  GATEWAY_ERROR("gateway-error"),
  /** The upstream reset the stream or closed the connection, or a per-try timeout fired. */
  RESET("reset"),
  /** The connection to the upstream could not be established. */
  CONNECT_FAILURE("connect-failure"),
  /** The upstream refused the HTTP/2 stream ({@code REFUSED_STREAM}). */
  REFUSED_STREAM("refused-stream"),
  /** The response status is one of the policy's {@code retriable_status_codes}. */
  RETRIABLE_STATUS_CODES("retriable-status-codes"),
  /** 409 Conflict. */
  RETRIABLE_4XX("retriable-4xx"),
  /** {@code grpc-status: 1}. */
  CANCELLED("cancelled"),
  /** {@code grpc-status: 4}. */
  DEADLINE_EXCEEDED("deadline-exceeded"),
  /** {@code grpc-status: 13}. */
  INTERNAL("internal"),
  /** {@code grpc-status: 8}. */
  RESOURCE_EXHAUSTED("resource-exhausted"),
  /** {@code grpc-status: 14}. */
  UNAVAILABLE("unavailable");

  private final String envoyName;

  RetryOn(String envoyName) {
    this.envoyName = envoyName;
  }

  /** The token used in Envoy's comma-separated {@code retry_on}. */
  public String envoyName() {
    return envoyName;
  }

  /** The condition for an Envoy token, if the waypoint supports it. */
  public static Optional<RetryOn> fromEnvoyName(String token) {
    for (RetryOn r : values()) {
      if (r.envoyName.equals(token)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** The gRPC status code this condition retries, or -1 if it is not a gRPC condition. */
  int grpcCode() {
    return switch (this) {
      case CANCELLED -> 1;
      case DEADLINE_EXCEEDED -> 4;
      case RESOURCE_EXHAUSTED -> 8;
      case INTERNAL -> 13;
      case UNAVAILABLE -> 14;
      default -> -1;
    };
  }
}
