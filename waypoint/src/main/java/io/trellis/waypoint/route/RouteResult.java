package io.trellis.waypoint.route;

import io.trellis.waypoint.ResponseFlag;

/** The outcome of routing one request. */
public sealed interface RouteResult {
  /**
   * A route matched.
   *
   * @param virtualHost the virtual host chosen by authority
   * @param route the first matching route in it: its action carries the backends, filters,
   *     timeouts and retry policy
   */
  record Matched(VirtualHost virtualHost, Route route) implements RouteResult {}

  /** No virtual host or route matched: answer 404 with {@link ResponseFlag#NO_ROUTE}. */
  record NoRoute() implements RouteResult {
    /** Always {@link ResponseFlag#NO_ROUTE}. */
    public ResponseFlag flag() {
      return ResponseFlag.NO_ROUTE;
    }
  }
}
