package io.trellis.waypoint.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.authz.AuthorizationEvaluator;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import io.trellis.waypoint.authz.AuthzDecision;
import io.trellis.waypoint.authz.AuthzRequest;
import io.trellis.waypoint.resilience.FaultInjection;
import io.trellis.waypoint.resilience.RetryOn;
import io.trellis.waypoint.resilience.RetryPolicy;
import io.trellis.waypoint.route.GatewayRoutes;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Headers;
import io.trellis.waypoint.route.HttpRouteSpec;
import io.trellis.waypoint.route.PathMatch;
import io.trellis.waypoint.route.PathRewrite;
import io.trellis.waypoint.route.Request;
import io.trellis.waypoint.route.RequestMirror;
import io.trellis.waypoint.route.RouteAction;
import io.trellis.waypoint.route.RouteMatch;
import io.trellis.waypoint.route.RouteTable;
import io.trellis.waypoint.route.Timeouts;
import io.trellis.waypoint.route.WeightedBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RequestPlannerTest {
  private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");
  private static final String CLIENT = "spiffe://cluster.local/ns/web/sa/frontend";

  private static final RouteAction.Forward API = new RouteAction.Forward(
      List.of(new WeightedBackend("api-v1", 1)), new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(1)),
      RetryPolicy.of(2, Set.of(RetryOn.GATEWAY_ERROR)), List.of(new RequestMirror("api-shadow", RequestMirror.ALL)),
      List.of(), new PathRewrite.ReplacePrefix("/v1"), "api.internal");

  private static final RouteTable ROUTES = GatewayRoutes.compile(List.of(new HttpRouteSpec("ns", "r", T, List.of(), List.of(
      new HttpRouteSpec.Rule(List.of(RouteMatch.path(new PathMatch.SegmentPrefix("/api"))), API,
          new HeaderModifier(List.of(new HeaderModifier.Header("x-route", "api")), List.of(), List.of("x-secret")),
          new HeaderModifier(List.of(), List.of(new HeaderModifier.Header("x-served-by", "wp")), List.of())),
      HttpRouteSpec.Rule.of(List.of(RouteMatch.path(new PathMatch.Exact("/old"))),
          new RouteAction.Redirect("https", null, null, new PathRewrite.ReplaceFullPath("/new"), 301, false)),
      HttpRouteSpec.Rule.of(List.of(RouteMatch.path(new PathMatch.Exact("/health"))), new RouteAction.DirectResponse(200, "ok")),
      HttpRouteSpec.Rule.of(List.of(RouteMatch.path(new PathMatch.Exact("/drained"))), new RouteAction.Forward(
          List.of(new WeightedBackend("a", 0)), Timeouts.none(), null, List.of(), List.of(), null, null))))));

  private static final AuthorizationEvaluator AUTHZ = new AuthorizationEvaluator(List.of(new AuthorizationPolicy("ns", "no-admin",
      AuthorizationPolicy.Action.DENY, List.of(new AuthorizationPolicy.Rule(List.of(),
          List.of(AuthorizationPolicy.Operation.of(List.of("/api/admin*"), List.of())), List.of())))));

  private final RequestPlanner planner = new RequestPlanner(ROUTES, AUTHZ);

  private Plan plan(String method, String target, Headers headers) {
    return planner.plan(new AuthzRequest(Request.of(method, target, "api.ns.svc:80", headers), CLIENT, null), new SplittableRandom(1));
  }

  @Test
  void forwardsWithRewritesHeaderChangesMirrorsAndPolicies() {
    Plan.Forward f = (Plan.Forward) plan("GET", "/api/items?page=2", Headers.of("x-secret", "s", "accept", "*/*"));
    assertThat(f.cluster()).isEqualTo("api-v1");
    assertThat(f.upstreamRequest().pathAndQuery()).isEqualTo("/v1/items?page=2");
    assertThat(f.upstreamRequest().authority()).isEqualTo("api.internal");
    assertThat(f.upstreamRequest().headers()).isEqualTo(Headers.of("accept", "*/*", "x-route", "api"));
    assertThat(f.mirrorClusters()).containsExactly("api-shadow");
    assertThat(f.timeouts().perTry()).isEqualTo(Duration.ofSeconds(1));
    assertThat(f.retry().numRetries()).isEqualTo(2);
    assertThat(f.responseHeaders().apply(Headers.empty()).get("x-served-by")).isEqualTo("wp");
    assertThat(f.route().name()).isEqualTo("ns/r/rule/0/match/0");
    assertThat(f.injectedDelay()).isZero();
  }

  @Test
  void answersLocallyForRedirectsDirectResponsesNoRouteAndZeroWeights() {
    assertThat(plan("GET", "/old?x=1", Headers.empty())).isEqualTo(new Plan.Respond(301, "", "https://api.ns.svc/new?x=1",
        null, HeaderModifier.none(), "redirect"));
    assertThat(plan("GET", "/health", Headers.empty())).isEqualTo(new Plan.Respond(200, "ok", null, null,
        HeaderModifier.none(), "direct_response"));
    assertThat(plan("GET", "/nothing", Headers.empty())).isEqualTo(new Plan.Respond(404, "", null,
        ResponseFlag.NO_ROUTE, HeaderModifier.none(), "route_not_found"));
    assertThat(((Plan.Respond) plan("GET", "/drained", Headers.empty())).status()).isEqualTo(500);
  }

  @Test
  void faultInjectionDelaysOrAbortsBeforeForwarding() {
    RouteAction.Forward to = RouteAction.Forward.to("c");
    io.trellis.waypoint.route.Route delayAll = new io.trellis.waypoint.route.Route("delay", RouteMatch.path(
        new PathMatch.Exact("/slow")), to, HeaderModifier.none(), HeaderModifier.none(),
        new FaultInjection(new FaultInjection.Delay(Duration.ofMillis(250), FaultInjection.ALL), null));
    io.trellis.waypoint.route.Route abortAll = new io.trellis.waypoint.route.Route("abort", RouteMatch.path(
        new PathMatch.Exact("/broken")), to, HeaderModifier.none(), HeaderModifier.none(),
        new FaultInjection(null, new FaultInjection.Abort(200, 14, FaultInjection.ALL)));
    RouteTable table = new RouteTable(List.of(new io.trellis.waypoint.route.VirtualHost("v", List.of("*"),
        List.of(delayAll, abortAll))), false);
    RequestPlanner p = new RequestPlanner(table, new AuthorizationEvaluator(List.of()));
    Plan.Forward slow = (Plan.Forward) p.plan(new AuthzRequest(Request.of("GET", "/slow", "h"), null, null), new SplittableRandom(1));
    assertThat(slow.injectedDelay()).isEqualTo(Duration.ofMillis(250));
    Plan.Abort broken = (Plan.Abort) p.plan(new AuthzRequest(Request.of("POST", "/broken", "h"), null, null), new SplittableRandom(1));
    assertThat(broken.status()).isEqualTo(200);
    assertThat(broken.grpcStatus()).isEqualTo(14);
    assertThat(broken.flag().code()).isEqualTo("FI");
  }

  @Test
  void authorizationRunsBeforeRouting() {
    Plan.Deny d = (Plan.Deny) plan("GET", "/api/admin/users", Headers.empty());
    assertThat(d.status()).isEqualTo(403);
    assertThat(d.decision()).isEqualTo(new AuthzDecision(false, AuthzDecision.Reason.DENY_MATCHED, "ns/no-admin"));
    // Denied even where no route exists: authz does not leak which paths are routed.
    RequestPlanner strict = new RequestPlanner(RouteTable.empty(), new AuthorizationEvaluator(List.of(
        new AuthorizationPolicy("ns", "allow-nothing", AuthorizationPolicy.Action.ALLOW, List.of()))));
    assertThat(strict.plan(new AuthzRequest(Request.of("GET", "/x", "h"), CLIENT, null), new SplittableRandom(1)))
        .isInstanceOf(Plan.Deny.class);
  }
}
