package io.trellis.waypoint.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, validated route table: picks a virtual host by the request's authority, then
 * the first route in it whose match holds. Safe to share between event loops; a config update
 * builds a new table and publishes it.
 *
 * <p>Virtual host selection follows Envoy: an exact domain wins, then the longest suffix
 * wildcard ({@code *.example.com}, which needs at least one character in place of {@code *}),
 * then the longest prefix wildcard ({@code example.*}), then {@code *}.
 */
public final class RouteTable {
  private static final RouteResult NO_ROUTE = new RouteResult.NoRoute();

  private final List<VirtualHost> virtualHosts;
  private final boolean ignorePort;
  private final Map<String, VirtualHost> exact = new HashMap<>();
  private final List<Map.Entry<String, VirtualHost>> suffixes = new ArrayList<>();
  private final List<Map.Entry<String, VirtualHost>> prefixes = new ArrayList<>();
  private final @Nullable VirtualHost catchAll;

  /**
   * Builds a table.
   *
   * @param virtualHosts the virtual hosts; a domain may appear in only one of them
   * @param ignorePortInHostMatching strip {@code :port} from the authority before matching
   *     domains (Envoy {@code ignore_port_in_host_matching})
   * @throws IllegalArgumentException if a domain is repeated
   */
  public RouteTable(List<VirtualHost> virtualHosts, boolean ignorePortInHostMatching) {
    this.virtualHosts = List.copyOf(virtualHosts);
    this.ignorePort = ignorePortInHostMatching;
    VirtualHost any = null;
    Map<String, String> seen = new HashMap<>();
    for (VirtualHost vh : this.virtualHosts) {
      for (String d : vh.domains()) {
        String previous = seen.putIfAbsent(d, vh.name());
        if (previous != null) {
          throw new IllegalArgumentException(
              "domain '" + d + "' is in both virtual host " + previous + " and " + vh.name());
        }
        if (d.equals("*")) {
          any = vh;
        } else if (d.startsWith("*")) {
          suffixes.add(Map.entry(d.substring(1), vh));
        } else if (d.endsWith("*")) {
          prefixes.add(Map.entry(d.substring(0, d.length() - 1), vh));
        } else {
          exact.put(d, vh);
        }
      }
    }
    Comparator<Map.Entry<String, VirtualHost>> longestFirst =
        Comparator.comparingInt((Map.Entry<String, VirtualHost> e) -> e.getKey().length()).reversed();
    suffixes.sort(longestFirst);
    prefixes.sort(longestFirst);
    this.catchAll = any;
  }

  /** An empty table: every request gets {@link RouteResult.NoRoute}. */
  public static RouteTable empty() {
    return new RouteTable(List.of(), false);
  }

  /** The virtual hosts, for config dumps. */
  public List<VirtualHost> virtualHosts() {
    return virtualHosts;
  }

  /** Routes one request. Never throws for any request content. */
  public RouteResult route(Request request) {
    VirtualHost vh = virtualHostFor(request.authority());
    if (vh == null) {
      return NO_ROUTE;
    }
    for (Route r : vh.routes()) {
      if (r.match().matches(request)) {
        return new RouteResult.Matched(vh, r);
      }
    }
    return NO_ROUTE;
  }

  @Nullable VirtualHost virtualHostFor(String authority) {
    String host = authority.toLowerCase(Locale.ROOT);
    if (ignorePort) {
      host = stripPort(host);
    }
    VirtualHost vh = exact.get(host);
    if (vh != null) {
      return vh;
    }
    for (Map.Entry<String, VirtualHost> e : suffixes) {
      if (host.length() > e.getKey().length() && host.endsWith(e.getKey())) {
        return e.getValue();
      }
    }
    for (Map.Entry<String, VirtualHost> e : prefixes) {
      if (host.length() > e.getKey().length() && host.startsWith(e.getKey())) {
        return e.getValue();
      }
    }
    return catchAll;
  }

  private static String stripPort(String host) {
    int colon = host.lastIndexOf(':');
    if (colon < 0 || host.indexOf(']', colon) >= 0) {
      return host;
    }
    for (int i = colon + 1; i < host.length(); i++) {
      if (!Character.isDigit(host.charAt(i))) {
        return host;
      }
    }
    return host.substring(0, colon);
  }
}
