package io.trellis.waypoint.route;

import java.time.Instant;
import java.util.List;

/**
 * A Gateway API HTTPRoute as the waypoint needs it.
 *
 * @param namespace the route's namespace
 * @param name the route's name
 * @param creationTimestamp when it was created (older wins ties)
 * @param hostnames Gateway API hostnames ({@code a.example.com} or {@code *.example.com});
 *     empty means every host
 * @param rules the rules in list order
 */
public record HttpRouteSpec(
    String namespace, String name, Instant creationTimestamp, List<String> hostnames, List<Rule> rules) {

  /** Makes immutable copies. */
  public HttpRouteSpec {
    hostnames = List.copyOf(hostnames);
    rules = List.copyOf(rules);
  }

  /**
   * One rule: any of its matches selects it (an empty list matches everything).
   *
   * @param matches the matches (OR); paths use {@link PathMatch.SegmentPrefix} for PathPrefix
   * @param action the backends (with timeouts, retry, mirrors) or a redirect
   * @param requestHeaders the RequestHeaderModifier filter
   * @param responseHeaders the ResponseHeaderModifier filter
   */
  public record Rule(
      List<RouteMatch> matches,
      RouteAction action,
      HeaderModifier requestHeaders,
      HeaderModifier responseHeaders) {
    /** Makes an immutable copy. */
    public Rule {
      matches = List.copyOf(matches);
    }

    /** A rule without header filters. */
    public static Rule of(List<RouteMatch> matches, RouteAction action) {
      return new Rule(matches, action, HeaderModifier.none(), HeaderModifier.none());
    }
  }

  String key() {
    return namespace + "/" + name;
  }
}
