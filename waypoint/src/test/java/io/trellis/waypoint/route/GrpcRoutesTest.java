package io.trellis.waypoint.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** GRPCRoute matching on top of the HTTP route table. */
class GrpcRoutesTest {
  private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");

  private static GrpcRouteSpec.Rule rule(String cluster, GrpcRouteSpec.MethodMatch... matches) {
    return GrpcRouteSpec.Rule.of(List.of(matches), RouteAction.Forward.to(cluster));
  }

  private static final List<GrpcRouteSpec> ROUTES = List.of(new GrpcRouteSpec("ns", "grpc", T, List.of(), List.of(
      rule("any-call"),
      rule("service", GrpcRouteSpec.MethodMatch.exact("shop.Cart", null)),
      rule("method", GrpcRouteSpec.MethodMatch.exact("shop.Cart", "Checkout")),
      rule("method-header", new GrpcRouteSpec.MethodMatch("shop.Cart", "Checkout", false,
          List.of(HeaderMatch.exact("x-tier", "gold")))),
      rule("any-service-method", GrpcRouteSpec.MethodMatch.exact(null, "Health")),
      rule("regex", new GrpcRouteSpec.MethodMatch("shop\\.v[0-9]+\\.Orders", "List.*", true, List.of())))));

  static Stream<Arguments> calls() {
    return Stream.of(
        Arguments.of("/shop.Cart/Checkout", Headers.empty(), "method"),
        Arguments.of("/shop.Cart/Checkout", Headers.of("x-tier", "gold"), "method-header"),
        Arguments.of("/shop.Cart/Add", Headers.empty(), "service"),
        Arguments.of("/shop.CartX/Add", Headers.empty(), "any-call"),
        Arguments.of("/anything.Svc/Health", Headers.empty(), "any-service-method"),
        Arguments.of("/shop.v2.Orders/ListAll", Headers.empty(), "regex"),
        Arguments.of("/shop.v2.Orders/Get", Headers.empty(), "any-call"));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("calls")
  void routesGrpcCalls(String path, Headers headers, String expected) {
    RouteTable table = GatewayRoutes.compile(List.of(), ROUTES);
    Headers h = headers.toBuilder().add("content-type", "application/grpc").build();
    RouteResult.Matched m = (RouteResult.Matched) table.route(Request.of("POST", path, "cart.shop.svc:9090", h));
    assertThat(((RouteAction.Forward) m.route().action()).backends().getFirst().cluster()).isEqualTo(expected);
  }
}
