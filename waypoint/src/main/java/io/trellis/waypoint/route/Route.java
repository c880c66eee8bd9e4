package io.trellis.waypoint.route;

import io.trellis.waypoint.resilience.FaultInjection;
import org.jspecify.annotations.Nullable;

/**
 * One route: a match, an action and the header changes applied when it is chosen.
 *
 * @param name a name for logs and config dumps (e.g. {@code ns/route/rule/match})
 * @param match when the route applies
 * @param action what it does
 * @param requestHeaders changes to the upstream request's headers
 * @param responseHeaders changes to the downstream response's headers
 * @param fault faults to inject before the action, or null
 */
public record Route(
    String name,
    RouteMatch match,
    RouteAction action,
    HeaderModifier requestHeaders,
    HeaderModifier responseHeaders,
    @Nullable FaultInjection fault) {

  /** A route without fault injection. */
  public Route(String name, RouteMatch match, RouteAction action, HeaderModifier requestHeaders,
      HeaderModifier responseHeaders) {
    this(name, match, action, requestHeaders, responseHeaders, null);
  }

  /** A route without header changes. */
  public static Route of(String name, RouteMatch match, RouteAction action) {
    return new Route(name, match, action, HeaderModifier.none(), HeaderModifier.none());
  }
}
