package io.trellis.waypoint.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Envoy virtual host selection and first-match route order. */
class RouteTableTest {

  private static VirtualHost vh(String name, String... domains) {
    return new VirtualHost(name, List.of(domains), List.of(Route.of(name, RouteMatch.any(), RouteAction.Forward.to(name))));
  }

  private static final List<VirtualHost> HOSTS = List.of(
      vh("exact", "api.example.com", "api.example.com:8080"),
      vh("suffix-long", "*.eu.example.com"),
      vh("suffix", "*.example.com"),
      vh("prefix", "api.*"),
      vh("any", "*"));

  static Stream<Arguments> hosts() {
    return Stream.of(
        Arguments.of("api.example.com", false, "exact"),
        Arguments.of("API.Example.com", false, "exact"),
        Arguments.of("api.example.com:8080", false, "exact"),
        // Without ignore_port the port is part of the host, so only the prefix wildcard matches.
        Arguments.of("api.example.com:9090", false, "prefix"),
        Arguments.of("api.example.com:9090", true, "exact"),
        Arguments.of("x.eu.example.com", false, "suffix-long"),
        Arguments.of("x.us.example.com", false, "suffix"),
        Arguments.of("example.com", false, "any"),
        Arguments.of("api.internal", false, "prefix"),
        Arguments.of("unknown", false, "any"));
  }

  @ParameterizedTest(name = "{0} ignorePort={1} -> {2}")
  @MethodSource("hosts")
  void selectsVirtualHostsLikeEnvoy(String authority, boolean ignorePort, String expected) {
    RouteTable table = new RouteTable(HOSTS, ignorePort);
    RouteResult.Matched m = (RouteResult.Matched) table.route(Request.of("GET", "/", authority));
    assertThat(m.virtualHost().name()).isEqualTo(expected);
  }

  @Test
  void firstMatchingRouteWinsInOrder() {
    VirtualHost vh = new VirtualHost("v", List.of("*"), List.of(
        Route.of("catch-all", RouteMatch.any(), RouteAction.Forward.to("a")),
        Route.of("never", RouteMatch.path(new PathMatch.Exact("/x")), RouteAction.Forward.to("b"))));
    RouteResult.Matched m = (RouteResult.Matched) new RouteTable(List.of(vh), false).route(Request.of("GET", "/x", "h"));
    assertThat(m.route().name()).isEqualTo("catch-all");
  }

  @Test
  void rejectsADomainInTwoVirtualHosts() {
    assertThatThrownBy(() -> new RouteTable(List.of(vh("a", "x.com"), vh("b", "X.com")), false))
        .hasMessageContaining("domain 'x.com' is in both virtual host a and b");
  }

  static Stream<Arguments> headerMatches() {
    return Stream.of(
        Arguments.of(HeaderMatch.exact("x-a", "1"), Headers.of("x-a", "1"), true),
        Arguments.of(HeaderMatch.exact("X-A", "1"), Headers.of("x-a", "1"), true),
        Arguments.of(HeaderMatch.exact("x-a", "1"), Headers.of("x-a", "2"), false),
        Arguments.of(HeaderMatch.exact("x-a", "1,2"), Headers.of("x-a", "1", "x-a", "2"), true),
        Arguments.of(HeaderMatch.regex("x-a", "[0-9]+"), Headers.of("x-a", "123"), true),
        Arguments.of(HeaderMatch.regex("x-a", "[0-9]+"), Headers.of("x-a", "12a"), false),
        Arguments.of(new HeaderMatch("x-a", null, false), Headers.of("x-a", ""), true),
        Arguments.of(new HeaderMatch("x-a", null, false), Headers.empty(), false),
        Arguments.of(new HeaderMatch("x-a", null, true), Headers.empty(), true),
        Arguments.of(new HeaderMatch("x-a", new StringMatch.Exact("1"), true), Headers.of("x-a", "2"), true),
        Arguments.of(new HeaderMatch("x-a", new StringMatch.Prefix("ab", true), false), Headers.of("x-a", "ABc"), true),
        Arguments.of(new HeaderMatch("x-a", new StringMatch.Suffix("bc", false), false), Headers.of("x-a", "abc"), true),
        Arguments.of(new HeaderMatch("x-a", new StringMatch.Contains("B", true), false), Headers.of("x-a", "abc"), true),
        Arguments.of(new HeaderMatch("x-a", new StringMatch.Exact("ABC", true), false), Headers.of("x-a", "abc"), true),
        Arguments.of(HeaderMatch.exact(":method", "PUT"), Headers.empty(), true),
        Arguments.of(HeaderMatch.exact(":authority", "h"), Headers.empty(), true));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("headerMatches")
  void matchesHeaders(HeaderMatch match, Headers headers, boolean expected) {
    assertThat(match.matches(Request.of("PUT", "/", "h", headers))).isEqualTo(expected);
  }

  @Test
  void grpcOnlyMatchesNeedAGrpcContentType() {
    RouteMatch grpc = new RouteMatch(new PathMatch.SegmentPrefix("/"), null, List.of(), List.of(), true);
    assertThat(grpc.matches(Request.of("POST", "/a.B/C", "h", Headers.of("content-type", "application/grpc+proto")))).isTrue();
    assertThat(grpc.matches(Request.of("POST", "/a.B/C", "h", Headers.of("content-type", "application/json")))).isFalse();
    assertThat(grpc.matches(Request.of("POST", "/a.B/C", "h"))).isFalse();
  }
}
