package io.trellis.waypoint.route;

import java.util.List;
import java.util.Locale;

/**
 * A set of domains and the ordered routes that serve them. Routes are tried in order and the
 * first match wins (Envoy semantics); {@link GatewayRoutes} produces the order the Gateway API
 * precedence rules require.
 *
 * @param name a name for logs
 * @param domains Envoy-style domains: exact ({@code a.example.com}), suffix wildcard
 *     ({@code *.example.com}), prefix wildcard ({@code a.example.*}) or {@code *}
 * @param routes the routes in match order
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes) {
  /** Lower-cases domains and makes immutable copies. */
  public VirtualHost {
    domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    routes = List.copyOf(routes);
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("virtual host " + name + " has no domains");
    }
  }
}
