package io.trellis.waypoint.route;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Gateway API GRPCRoute as the waypoint needs it. gRPC calls are HTTP/2 requests to
 * {@code /<service>/<method>}, so a GRPCRoute compiles to ordinary path and header matches.
 *
 * @param namespace the route's namespace
 * @param name the route's name
 * @param creationTimestamp when it was created (older wins ties)
 * @param hostnames hostnames as for HTTPRoute; empty means every host
 * @param rules the rules in list order
 */
public record GrpcRouteSpec(
    String namespace, String name, Instant creationTimestamp, List<String> hostnames, List<Rule> rules) {

  /** Makes immutable copies. */
  public GrpcRouteSpec {
    hostnames = List.copyOf(hostnames);
    rules = List.copyOf(rules);
  }

  /**
   * One rule: any of its matches selects it (an empty list matches every gRPC call).
   *
   * @param matches the matches (OR)
   * @param action the backends or a direct response
   * @param requestHeaders the RequestHeaderModifier filter
   * @param responseHeaders the ResponseHeaderModifier filter
   */
  public record Rule(
      List<MethodMatch> matches,
      RouteAction action,
      HeaderModifier requestHeaders,
      HeaderModifier responseHeaders) {
    /** Makes an immutable copy. */
    public Rule {
      matches = List.copyOf(matches);
    }

    /** A rule without header filters. */
    public static Rule of(List<MethodMatch> matches, RouteAction action) {
      return new Rule(matches, action, HeaderModifier.none(), HeaderModifier.none());
    }
  }

  /**
   * Gateway API {@code GRPCRouteMatch}.
   *
   * @param service the fully qualified service (e.g. {@code pkg.Greeter}) or null for any
   * @param method the method (e.g. {@code SayHello}) or null for any
   * @param regex whether service and method are regular expressions
   * @param headers header conditions, all required
   */
  public record MethodMatch(
      @Nullable String service, @Nullable String method, boolean regex, List<HeaderMatch> headers) {
    /** Makes an immutable copy and rejects a regex match that names neither service nor method. */
    public MethodMatch {
      headers = List.copyOf(headers);
      if (service == null && method == null && regex) {
        throw new IllegalArgumentException("a regex GRPCRoute method match needs a service or a method");
      }
    }

    /** An exact service/method match. */
    public static MethodMatch exact(@Nullable String service, @Nullable String method) {
      return new MethodMatch(service, method, false, List.of());
    }

    /** The equivalent HTTP route match. */
    RouteMatch toRouteMatch() {
      PathMatch path;
      if (service == null && method == null) {
        path = new PathMatch.SegmentPrefix("/");
      } else if (regex) {
        String s = service == null ? "[^/]+" : service;
        String m = method == null ? "[^/]+" : method;
        path = PathMatch.Regex.of("/" + s + "/" + m);
      } else if (method == null) {
        path = new PathMatch.SegmentPrefix("/" + service);
      } else if (service == null) {
        path = PathMatch.Regex.of("/[^/]+/" + Pattern.quote(method));
      } else {
        path = new PathMatch.Exact("/" + service + "/" + method);
      }
      return new RouteMatch(path, null, new ArrayList<>(headers), List.of(), false);
    }

    int serviceChars() {
      return service == null ? 0 : service.length();
    }

    int methodChars() {
      return method == null ? 0 : method.length();
    }
  }

  String key() {
    return namespace + "/" + name;
  }
}
