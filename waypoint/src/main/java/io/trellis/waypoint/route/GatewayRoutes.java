package io.trellis.waypoint.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Compiles Gateway API HTTPRoutes and GRPCRoutes into a {@link RouteTable}, ordering the routes
 * of each host by the precedence the Gateway API specifies.
 *
 * <p>HTTPRoute matches, across every route that applies to a host, are ordered by:
 *
 * <ol>
 *   <li>Exact path, before a path prefix, before a regular expression (the spec leaves regex
 *       placement to implementations; this is Istio's order);
 *   <li>longer prefix (or regex) first;
 *   <li>a method match first;
 *   <li>more header matches first;
 *   <li>more query parameter matches first;
 *   <li>older {@code creationTimestamp} first;
 *   <li>{@code namespace/name} alphabetically;
 *   <li>within a route, rule list order then match list order.
 * </ol>
 *
 * <p>GRPCRoute matches are ordered by characters in the service, then in the method, then the
 * number of header matches, then the same tie-breakers. gRPC matches come before HTTP matches
 * on a shared host (the Gateway API forbids mixing the two kinds on one hostname anyway).
 *
 * <p>Hostnames become virtual hosts. A host's routes are those whose hostnames cover it: the
 * same name, a wildcard that covers it, or no hostnames at all; so a route for
 * {@code *.example.com} also serves {@code a.example.com} next to that host's own routes.
 */
public final class GatewayRoutes {
  private static final String ANY_HOST = "*";

  private GatewayRoutes() {}

  /** Compiles HTTPRoutes only. */
  public static RouteTable compile(List<HttpRouteSpec> httpRoutes) {
    return compile(httpRoutes, List.of());
  }

  /** Compiles HTTPRoutes and GRPCRoutes into one table (ports in authorities are ignored). */
  public static RouteTable compile(List<HttpRouteSpec> httpRoutes, List<GrpcRouteSpec> grpcRoutes) {
    Set<String> hosts = new LinkedHashSet<>();
    for (HttpRouteSpec r : httpRoutes) {
      addHosts(hosts, r.hostnames());
    }
    for (GrpcRouteSpec r : grpcRoutes) {
      addHosts(hosts, r.hostnames());
    }
    List<VirtualHost> vhosts = new ArrayList<>();
    for (String host : hosts) {
      List<Entry> entries = new ArrayList<>();
      for (GrpcRouteSpec r : grpcRoutes) {
        if (covers(r.hostnames(), host)) {
          addGrpcEntries(entries, r);
        }
      }
      List<Entry> httpEntries = new ArrayList<>();
      for (HttpRouteSpec r : httpRoutes) {
        if (covers(r.hostnames(), host)) {
          addHttpEntries(httpEntries, r);
        }
      }
      entries.sort(GRPC_ORDER);
      httpEntries.sort(HTTP_ORDER);
      entries.addAll(httpEntries);
      vhosts.add(new VirtualHost(host, List.of(host), entries.stream().map(Entry::route).toList()));
    }
    return new RouteTable(vhosts, true);
  }

  private static void addHosts(Set<String> hosts, List<String> hostnames) {
    if (hostnames.isEmpty()) {
      hosts.add(ANY_HOST);
    }
    for (String h : hostnames) {
      hosts.add(h.toLowerCase(Locale.ROOT));
    }
  }

  /** Whether a route with {@code hostnames} serves virtual host {@code host}. */
  static boolean covers(List<String> hostnames, String host) {
    if (hostnames.isEmpty()) {
      return true;
    }
    for (String raw : hostnames) {
      String h = raw.toLowerCase(Locale.ROOT);
      if (h.equals(host)) {
        return true;
      }
      if (h.startsWith("*.") && !host.equals(ANY_HOST)) {
        String suffix = h.substring(1);
        String hostTail = host.startsWith("*.") ? host.substring(1) : host;
        if (hostTail.length() > suffix.length() && hostTail.endsWith(suffix)) {
          return true;
        }
      }
    }
    return false;
  }

  private static void addHttpEntries(List<Entry> out, HttpRouteSpec r) {
    for (int ri = 0; ri < r.rules().size(); ri++) {
      HttpRouteSpec.Rule rule = r.rules().get(ri);
      List<RouteMatch> matches = rule.matches().isEmpty() ? List.of(RouteMatch.any()) : rule.matches();
      for (int mi = 0; mi < matches.size(); mi++) {
        RouteMatch m = matches.get(mi);
        String name = r.key() + "/rule/" + ri + "/match/" + mi;
        Route route = new Route(name, m, rule.action(), rule.requestHeaders(), rule.responseHeaders());
        out.add(new Entry(route, r.creationTimestamp().toEpochMilli(), r.key(), ri, mi,
            pathRank(m.path()), pathChars(m.path()), m.method() != null ? 1 : 0,
            m.headers().size(), m.queryParams().size()));
      }
    }
  }

  private static void addGrpcEntries(List<Entry> out, GrpcRouteSpec r) {
    for (int ri = 0; ri < r.rules().size(); ri++) {
      GrpcRouteSpec.Rule rule = r.rules().get(ri);
      List<GrpcRouteSpec.MethodMatch> matches = rule.matches().isEmpty()
          ? List.of(GrpcRouteSpec.MethodMatch.exact(null, null)) : rule.matches();
      for (int mi = 0; mi < matches.size(); mi++) {
        GrpcRouteSpec.MethodMatch m = matches.get(mi);
        String name = r.key() + "/rule/" + ri + "/match/" + mi;
        Route route = new Route(name, m.toRouteMatch(), rule.action(), rule.requestHeaders(), rule.responseHeaders());
        // For gRPC the "path" ranks are service and method character counts.
        out.add(new Entry(route, r.creationTimestamp().toEpochMilli(), r.key(), ri, mi,
            m.serviceChars(), m.methodChars(), 0, m.headers().size(), 0));
      }
    }
  }

  static int pathRank(PathMatch p) {
    return switch (p) {
      case PathMatch.Exact e -> 3;
      case PathMatch.SegmentPrefix s -> 2;
      case PathMatch.Prefix s -> 2;
      case PathMatch.Regex x -> 1;
    };
  }

  static int pathChars(PathMatch p) {
    return switch (p) {
      case PathMatch.Exact e -> e.value().length();
      case PathMatch.SegmentPrefix s -> s.stripped().length();
      case PathMatch.Prefix s -> s.prefix().length();
      case PathMatch.Regex x -> x.pattern().pattern().length();
    };
  }

  private record Entry(
      Route route, long createdMillis, String key, int rule, int match,
      int rank1, int rank2, int method, int headers, int queries) {}

  private static final Comparator<Entry> TIE_BREAK =
      Comparator.comparingLong(Entry::createdMillis)
          .thenComparing(Entry::key)
          .thenComparingInt(Entry::rule)
          .thenComparingInt(Entry::match);

  private static final Comparator<Entry> HTTP_ORDER =
      Comparator.comparingInt(Entry::rank1).reversed()
          .thenComparing(Comparator.comparingInt(Entry::rank2).reversed())
          .thenComparing(Comparator.comparingInt(Entry::method).reversed())
          .thenComparing(Comparator.comparingInt(Entry::headers).reversed())
          .thenComparing(Comparator.comparingInt(Entry::queries).reversed())
          .thenComparing(TIE_BREAK);

  /** For gRPC entries rank1/rank2 hold service/method characters. */
  private static final Comparator<Entry> GRPC_ORDER =
      Comparator.comparingInt(Entry::rank1).reversed()
          .thenComparing(Comparator.comparingInt(Entry::rank2).reversed())
          .thenComparing(Comparator.comparingInt(Entry::headers).reversed())
          .thenComparing(TIE_BREAK);
}
