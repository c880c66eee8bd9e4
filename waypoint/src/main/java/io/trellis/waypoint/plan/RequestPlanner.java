package io.trellis.waypoint.plan;

import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.authz.AuthorizationEvaluator;
import io.trellis.waypoint.authz.AuthzDecision;
import io.trellis.waypoint.authz.AuthzRequest;
import io.trellis.waypoint.resilience.FaultInjection;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Request;
import io.trellis.waypoint.route.RequestMirror;
import io.trellis.waypoint.route.Route;
import io.trellis.waypoint.route.RouteAction;
import io.trellis.waypoint.route.RouteResult;
import io.trellis.waypoint.route.RouteTable;
import io.trellis.waypoint.route.WeightedBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Decides what happens to a request, in Envoy's filter order: L7 authorization, then routing,
 * then fault injection, then the route's action (weighted backend pick, mirrors, rewrites and
 * header modifiers).
 * Immutable and safe to share between event loops; {@code random} belongs to the caller's loop.
 */
public final class RequestPlanner {
  private final RouteTable routes;
  private final AuthorizationEvaluator authz;

  /** A planner over one configuration snapshot. */
  public RequestPlanner(RouteTable routes, AuthorizationEvaluator authz) {
    this.routes = routes;
    this.authz = authz;
  }

  /** The plan for {@code request}. Never throws for any request content. */
  public Plan plan(AuthzRequest request, RandomGenerator random) {
    AuthzDecision decision = authz.evaluate(request);
    if (!decision.allowed()) {
      return new Plan.Deny(decision);
    }
    Request req = request.request();
    RouteResult result = routes.route(req);
    if (!(result instanceof RouteResult.Matched matched)) {
      return new Plan.Respond(404, "", null, ResponseFlag.NO_ROUTE, HeaderModifier.none(), "route_not_found");
    }
    Route route = matched.route();
    return switch (route.action()) {
      case RouteAction.Forward f -> forward(route, f, req, random);
      case RouteAction.Redirect r -> new Plan.Respond(r.status(), "", r.location(req, route.match().path()), null,
          route.responseHeaders(), "redirect");
      case RouteAction.DirectResponse d -> new Plan.Respond(d.status(), d.body(), null, null,
          route.responseHeaders(), "direct_response");
    };
  }

  private static Plan forward(Route route, RouteAction.Forward f, Request req, RandomGenerator random) {
    FaultInjection.Injected fault = route.fault() == null ? FaultInjection.Injected.NONE : route.fault().draw(random);
    if (fault.abort() != null) {
      return new Plan.Abort(route, fault.abort().httpStatus(), fault.abort().grpcStatus(), fault.delay(),
          route.responseHeaders());
    }
    WeightedBackend backend = f.pickBackend(random);
    if (backend == null) {
      // Gateway API: when every backend has weight 0 the request fails with 500.
      return new Plan.Respond(500, "", null, null, route.responseHeaders(), "no_backend_with_weight");
    }
    List<String> mirrors = new ArrayList<>(0);
    for (RequestMirror m : f.mirrors()) {
      if (m.shouldMirror(random)) {
        mirrors.add(m.cluster());
      }
    }
    return new Plan.Forward(route, backend.cluster(), upstreamRequest(route, f, req), mirrors, f.timeouts(),
        f.retry(), f.hashKey(req), route.responseHeaders(), fault.delay());
  }

  /** The request as sent upstream: rewritten path (query kept), rewritten authority, header changes. */
  static Request upstreamRequest(Route route, RouteAction.Forward f, Request req) {
    String target = req.pathAndQuery();
    if (f.pathRewrite() != null) {
      String newPath = f.pathRewrite().apply(req.path(), route.match().path());
      int q = target.indexOf('?');
      target = q < 0 ? newPath : newPath + target.substring(q);
    }
    String authority = f.hostRewrite() != null ? f.hostRewrite() : req.authority();
    return Request.of(req.method(), target, authority, route.requestHeaders().apply(req.headers()));
  }
}
