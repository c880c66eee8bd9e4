package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryPolicyTest {

  private static RetryPolicy on(RetryOn... conditions) {
    return new RetryPolicy(EnumSet.copyOf(Set.of(conditions)), 2, Set.of(418), Duration.ZERO,
        Duration.ofMillis(25), Duration.ofMillis(250), RetryPolicy.IDEMPOTENT_METHODS);
  }

  static Stream<Arguments> cases() {
    AttemptOutcome s500 = AttemptOutcome.Response.http(500);
    AttemptOutcome s502 = AttemptOutcome.Response.http(502);
    AttemptOutcome s503 = AttemptOutcome.Response.http(503);
    AttemptOutcome s200 = AttemptOutcome.Response.http(200);
    AttemptOutcome s409 = AttemptOutcome.Response.http(409);
    AttemptOutcome s418 = AttemptOutcome.Response.http(418);
    AttemptOutcome connect = new AttemptOutcome.ConnectFailure();
    AttemptOutcome reset = new AttemptOutcome.Reset(false);
    AttemptOutcome refused = new AttemptOutcome.Reset(true);
    AttemptOutcome timeout = new AttemptOutcome.PerTryTimeout();
    return Stream.of(
        Arguments.of(on(RetryOn.FIVE_XX), s500, true),
        Arguments.of(on(RetryOn.FIVE_XX), s503, true),
        Arguments.of(on(RetryOn.FIVE_XX), s200, false),
        Arguments.of(on(RetryOn.FIVE_XX), connect, true),
        Arguments.of(on(RetryOn.FIVE_XX), reset, true),
        Arguments.of(on(RetryOn.FIVE_XX), timeout, true),
        Arguments.of(on(RetryOn.GATEWAY_ERROR), s500, false),
        Arguments.of(on(RetryOn.GATEWAY_ERROR), s502, true),
        Arguments.of(on(RetryOn.GATEWAY_ERROR), s503, true),
        Arguments.of(on(RetryOn.GATEWAY_ERROR), AttemptOutcome.Response.http(504), true),
        Arguments.of(on(RetryOn.GATEWAY_ERROR), connect, true),
        Arguments.of(on(RetryOn.RESET), reset, true),
        Arguments.of(on(RetryOn.RESET), s503, false),
        Arguments.of(on(RetryOn.CONNECT_FAILURE), connect, true),
        Arguments.of(on(RetryOn.CONNECT_FAILURE), reset, false),
        Arguments.of(on(RetryOn.CONNECT_FAILURE), s503, false),
        Arguments.of(on(RetryOn.REFUSED_STREAM), refused, true),
        Arguments.of(on(RetryOn.REFUSED_STREAM), reset, false),
        Arguments.of(on(RetryOn.RETRIABLE_STATUS_CODES), s418, true),
        Arguments.of(on(RetryOn.RETRIABLE_STATUS_CODES), s500, false),
        Arguments.of(on(RetryOn.RETRIABLE_4XX), s409, true),
        Arguments.of(on(RetryOn.UNAVAILABLE), AttemptOutcome.Response.grpc(14), true),
        Arguments.of(on(RetryOn.UNAVAILABLE), AttemptOutcome.Response.grpc(13), false),
        Arguments.of(on(RetryOn.CANCELLED), AttemptOutcome.Response.grpc(1), true),
        Arguments.of(on(RetryOn.DEADLINE_EXCEEDED), AttemptOutcome.Response.grpc(4), true),
        Arguments.of(on(RetryOn.INTERNAL), AttemptOutcome.Response.grpc(13), true),
        Arguments.of(on(RetryOn.RESOURCE_EXHAUSTED), AttemptOutcome.Response.grpc(8), true),
        Arguments.of(on(RetryOn.UNAVAILABLE), AttemptOutcome.Response.grpc(0), false),
        Arguments.of(on(RetryOn.UNAVAILABLE), s503, false));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("cases")
  void classifiesOutcomes(RetryPolicy policy, AttemptOutcome outcome, boolean retriable) {
    assertThat(policy.isRetriable(outcome)).isEqualTo(retriable);
  }

  static Stream<Arguments> grpcStatusHeaders() {
    return Stream.of(
        Arguments.of("14", 14), Arguments.of(" 0 ", 0), Arguments.of(null, null),
        Arguments.of("", null), Arguments.of("UNAVAILABLE", null), Arguments.of("99999999999", null),
        Arguments.of("-1", null));
  }

  @ParameterizedTest(name = "grpc-status {0} -> {1}")
  @MethodSource("grpcStatusHeaders")
  void parsesUntrustedGrpcStatusWithoutThrowing(String header, Integer expected) {
    assertThat(AttemptOutcome.Response.parseGrpcStatus(header)).isEqualTo(expected);
  }

  @ParameterizedTest
  @MethodSource("envoyNames")
  void mapsEnvoyRetryOnTokens(String token, RetryOn expected) {
    assertThat(RetryOn.fromEnvoyName(token)).contains(expected);
  }

  static Stream<Arguments> envoyNames() {
    return Stream.of(RetryOn.values()).map(r -> Arguments.of(r.envoyName(), r));
  }

  @org.junit.jupiter.api.Test
  void rejectsNonsense() {
    assertThat(RetryOn.fromEnvoyName("envoy-ratelimited")).isEmpty();
    assertThatThrownBy(() -> RetryPolicy.of(-1, Set.of())).hasMessageContaining("numRetries");
    assertThatThrownBy(() -> new RetryPolicy(Set.of(), 1, Set.of(), Duration.ZERO, Duration.ofMillis(100),
        Duration.ofMillis(50), Set.of())).hasMessageContaining("below the base");
    assertThatThrownBy(() -> new RetryPolicy(Set.of(), 1, Set.of(700), Duration.ZERO, Duration.ofMillis(1),
        Duration.ofMillis(1), Set.of())).hasMessageContaining("[100, 599]");
  }
}
