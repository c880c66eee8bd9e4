package io.trellis.waypoint.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** HTTPRoute matching and precedence, modelled on the Gateway API conformance cases. */
class GatewayRoutesTest {
  private static final Instant OLD = Instant.parse("2024-01-01T00:00:00Z");
  private static final Instant NEW = Instant.parse("2025-01-01T00:00:00Z");

  /** A rule forwarding to a cluster named after the case, so the test can see which won. */
  private static HttpRouteSpec.Rule rule(String cluster, RouteMatch... matches) {
    return HttpRouteSpec.Rule.of(List.of(matches), RouteAction.Forward.to(cluster));
  }

  private static RouteMatch m(PathMatch path, @Nullable String method, List<HeaderMatch> headers, List<QueryParamMatch> query) {
    return new RouteMatch(path, method, headers, query, false);
  }

  private static final List<HttpRouteSpec> ROUTES = List.of(
      new HttpRouteSpec("default", "b-route", OLD, List.of(), List.of(
          rule("prefix-root", RouteMatch.any()),
          rule("prefix-api", RouteMatch.path(new PathMatch.SegmentPrefix("/api"))),
          rule("prefix-api-v1", RouteMatch.path(new PathMatch.SegmentPrefix("/api/v1"))),
          rule("exact-api", RouteMatch.path(new PathMatch.Exact("/api"))),
          rule("api-post", m(new PathMatch.SegmentPrefix("/api"), "POST", List.of(), List.of())),
          rule("api-one-header", m(new PathMatch.SegmentPrefix("/api"), null,
              List.of(HeaderMatch.exact("x-env", "canary")), List.of())),
          rule("api-two-headers", m(new PathMatch.SegmentPrefix("/api"), null,
              List.of(HeaderMatch.exact("x-env", "canary"), HeaderMatch.regex("x-user", "u[0-9]+")), List.of())),
          rule("api-query", m(new PathMatch.SegmentPrefix("/api"), null, List.of(),
              List.of(QueryParamMatch.exact("debug", "1")))),
          rule("regex-static", RouteMatch.path(PathMatch.Regex.of("/static/.*\\.css"))))),
      // Same match as b-route's "prefix-tie" but newer: loses to the older route.
      new HttpRouteSpec("default", "a-newer", NEW, List.of(), List.of(
          rule("tie-newer", RouteMatch.path(new PathMatch.SegmentPrefix("/tie"))))),
      new HttpRouteSpec("default", "c-older", OLD, List.of(), List.of(
          rule("tie-older-c", RouteMatch.path(new PathMatch.SegmentPrefix("/tie"))))),
      // Same timestamp as c-older: loses on name order.
      new HttpRouteSpec("default", "d-older", OLD, List.of(), List.of(
          rule("tie-older-d", RouteMatch.path(new PathMatch.SegmentPrefix("/tie")),
              RouteMatch.path(new PathMatch.SegmentPrefix("/only-d"))))),
      // Within one route, the first rule wins a full tie.
      new HttpRouteSpec("default", "e-rules", OLD, List.of(), List.of(
          rule("first-rule", RouteMatch.path(new PathMatch.SegmentPrefix("/dup"))),
          rule("second-rule", RouteMatch.path(new PathMatch.SegmentPrefix("/dup"))))),
      new HttpRouteSpec("other", "hosted", OLD, List.of("shop.example.com", "*.wild.example.com"), List.of(
          rule("shop", RouteMatch.path(new PathMatch.SegmentPrefix("/cart"))))));

  static Stream<Arguments> precedence() {
    return Stream.of(
        Arguments.of("GET", "/", "any.host", Headers.empty(), "prefix-root"),
        Arguments.of("GET", "/api", "any.host", Headers.empty(), "exact-api"),
        Arguments.of("GET", "/api/", "any.host", Headers.empty(), "prefix-api"),
        Arguments.of("GET", "/api/x", "any.host", Headers.empty(), "prefix-api"),
        Arguments.of("GET", "/apix", "any.host", Headers.empty(), "prefix-root"),
        Arguments.of("GET", "/api/v1/users", "any.host", Headers.empty(), "prefix-api-v1"),
        // Longer prefix beats a method or header match on a shorter prefix.
        Arguments.of("POST", "/api/v1/users", "any.host", Headers.of("x-env", "canary"), "prefix-api-v1"),
        // Same prefix: method first, then more headers, then query params.
        Arguments.of("POST", "/api/x?debug=1", "any.host", Headers.of("x-env", "canary"), "api-post"),
        Arguments.of("GET", "/api/x?debug=1", "any.host", Headers.of("x-env", "canary", "x-user", "u7"), "api-two-headers"),
        Arguments.of("GET", "/api/x?debug=1", "any.host", Headers.of("x-env", "canary", "x-user", "bob"), "api-one-header"),
        Arguments.of("GET", "/api/x?debug=1", "any.host", Headers.of("X-Env", "prod"), "api-query"),
        Arguments.of("GET", "/api/x?debug=0", "any.host", Headers.empty(), "prefix-api"),
        // Regex loses to the catch-all prefix only because of Istio's order; an exact wins over both.
        Arguments.of("GET", "/static/site.css", "any.host", Headers.empty(), "prefix-root"),
        // Ties: oldest creation timestamp, then namespace/name, then rule order.
        Arguments.of("GET", "/tie/x", "any.host", Headers.empty(), "tie-older-c"),
        Arguments.of("GET", "/only-d", "any.host", Headers.empty(), "tie-older-d"),
        Arguments.of("GET", "/dup", "any.host", Headers.empty(), "first-rule"),
        // Hostnames: specific hosts get their own routes plus every catch-all route.
        Arguments.of("GET", "/cart", "shop.example.com", Headers.empty(), "shop"),
        Arguments.of("GET", "/cart", "shop.example.com:8080", Headers.empty(), "shop"),
        Arguments.of("GET", "/api", "shop.example.com", Headers.empty(), "exact-api"),
        Arguments.of("GET", "/cart", "a.b.wild.example.com", Headers.empty(), "shop"),
        Arguments.of("GET", "/cart", "wild.example.com", Headers.empty(), "prefix-root"),
        Arguments.of("GET", "/cart", "other.example.com", Headers.empty(), "prefix-root"));
  }

  @ParameterizedTest(name = "{0} {1} host={2} {3} -> {4}")
  @MethodSource("precedence")
  void picksTheRuleTheGatewayApiRequires(String method, String path, String host, Headers headers, String expected) {
    RouteTable table = GatewayRoutes.compile(ROUTES);
    RouteResult result = table.route(Request.of(method, path, host, headers));
    assertThat(result).isInstanceOf(RouteResult.Matched.class);
    RouteAction.Forward f = (RouteAction.Forward) ((RouteResult.Matched) result).route().action();
    assertThat(f.backends().getFirst().cluster()).isEqualTo(expected);
  }

  @Test
  void regexBeatsPrefixOnlyWithoutACatchAll() {
    RouteTable table = GatewayRoutes.compile(List.of(new HttpRouteSpec("ns", "r", OLD, List.of(), List.of(
        rule("regex", RouteMatch.path(PathMatch.Regex.of("/v[0-9]+/.*"))),
        rule("prefix", RouteMatch.path(new PathMatch.SegmentPrefix("/v1/admin")))))));
    assertThat(clusterFor(table, "/v1/admin/x")).isEqualTo("prefix");
    assertThat(clusterFor(table, "/v1/users")).isEqualTo("regex");
    assertThat(table.route(Request.of("GET", "/other", "h"))).isInstanceOf(RouteResult.NoRoute.class);
  }

  @Test
  void noRouteCarriesTheNrFlag() {
    RouteTable table = GatewayRoutes.compile(List.of(new HttpRouteSpec("ns", "r", OLD, List.of("only.host"), List.of(
        rule("x", RouteMatch.any())))));
    RouteResult result = table.route(Request.of("GET", "/", "elsewhere"));
    assertThat(result).isInstanceOf(RouteResult.NoRoute.class);
    assertThat(((RouteResult.NoRoute) result).flag().code()).isEqualTo("NR");
    assertThat(RouteTable.empty().route(Request.of("GET", "/", "h"))).isInstanceOf(RouteResult.NoRoute.class);
  }

  @Test
  void theChosenRouteCarriesItsFilters() {
    HeaderModifier req = new HeaderModifier(List.of(new HeaderModifier.Header("x-route", "yes")), List.of(), List.of());
    HeaderModifier resp = new HeaderModifier(List.of(), List.of(), List.of("server"));
    RouteTable table = GatewayRoutes.compile(List.of(new HttpRouteSpec("ns", "r", OLD, List.of(), List.of(
        new HttpRouteSpec.Rule(List.of(), RouteAction.Forward.to("c"), req, resp)))));
    RouteResult.Matched m = (RouteResult.Matched) table.route(Request.of("GET", "/", "h"));
    assertThat(m.route().requestHeaders().apply(Headers.empty()).get("x-route")).isEqualTo("yes");
    assertThat(m.route().responseHeaders().apply(Headers.of("server", "x")).contains("server")).isFalse();
    assertThat(m.route().name()).isEqualTo("ns/r/rule/0/match/0");
  }

  private static String clusterFor(RouteTable table, String path) {
    RouteResult.Matched m = (RouteResult.Matched) table.route(Request.of("GET", path, "h"));
    return ((RouteAction.Forward) m.route().action()).backends().getFirst().cluster();
  }
}
