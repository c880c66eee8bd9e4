package io.trellis.waypoint.route;

/**
 * One route: a match, an action and the header changes applied when it is chosen.
 *
 * @param name a name for logs and config dumps (e.g. {@code ns/route/rule/match})
 * @param match when the route applies
 * @param action what it does
 * @param requestHeaders changes to the upstream request's headers
 * @param responseHeaders changes to the downstream response's headers
 */
public record Route(
    String name,
    RouteMatch match,
    RouteAction action,
    HeaderModifier requestHeaders,
    HeaderModifier responseHeaders) {

  /** A route without header changes. */
  public static Route of(String name, RouteMatch match, RouteAction action) {
    return new Route(name, match, action, HeaderModifier.none(), HeaderModifier.none());
  }
}
