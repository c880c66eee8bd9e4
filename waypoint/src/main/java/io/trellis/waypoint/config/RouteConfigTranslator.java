package io.trellis.waypoint.config;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.trellis.waypoint.resilience.FaultInjection;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.PathMatch;
import io.trellis.waypoint.route.Route;
import io.trellis.waypoint.route.RouteAction;
import io.trellis.waypoint.route.RouteMatch;
import io.trellis.waypoint.route.RouteTable;
import io.trellis.waypoint.route.VirtualHost;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Translates an Envoy v3 {@code RouteConfiguration} (RDS) into a {@link RouteTable}, or rejects
 * it with every unsupported or invalid field named. See {@code waypoint/README.md} for the
 * supported fields and where Trellis deliberately differs from Envoy.
 */
public final class RouteConfigTranslator {
  private static final String ROOT = "route_config";
  private static final Set<String> ROUTE_CONFIG = Set.of("name", "virtual_hosts", "ignore_port_in_host_matching", "validate_clusters");
  private static final Set<String> VIRTUAL_HOST = Set.of("name", "domains", "routes");
  private static final Set<String> ROUTE = Set.of(
      "name", "match", "route", "redirect", "direct_response", "request_headers_to_add", "request_headers_to_remove",
      "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config");
  private static final Set<String> DIRECT_RESPONSE = Set.of("status", "body");
  private static final Set<String> DATA_SOURCE = Set.of("inline_string", "inline_bytes");
  private static final Set<String> HEADER_VALUE_OPTION = Set.of("header", "append", "append_action");
  private static final Set<String> HEADER_VALUE = Set.of("key", "value");

  private RouteConfigTranslator() {}

  /**
   * The route table for {@code config}.
   *
   * @throws XdsNackException listing every field that is unsupported or invalid
   */
  public static RouteTable translate(RouteConfiguration config) throws XdsNackException {
    ValidationErrors errors = new ValidationErrors();
    ProtoFields.onlySupported(config, ROOT, errors, ROUTE_CONFIG);
    if (config.hasValidateClusters() && config.getValidateClusters().getValue()) {
      errors.add(ROOT + ".validate_clusters", "only false is supported (routes to unknown clusters answer 503)");
    }
    List<VirtualHost> vhosts = new ArrayList<>();
    Map<String, String> domainOwner = new HashMap<>();
    for (int i = 0; i < config.getVirtualHostsCount(); i++) {
      String path = ProtoFields.at(ROOT + ".virtual_hosts", i);
      VirtualHost vh = virtualHost(config.getVirtualHosts(i), path, errors);
      if (vh == null) {
        continue;
      }
      for (int d = 0; d < vh.domains().size(); d++) {
        String previous = domainOwner.putIfAbsent(vh.domains().get(d), path);
        if (previous != null) {
          errors.add(ProtoFields.at(path + ".domains", d), "domain '" + vh.domains().get(d) + "' is already used by " + previous);
        }
      }
      vhosts.add(vh);
    }
    errors.throwIfAny("RouteConfiguration " + config.getName());
    return new RouteTable(vhosts, config.getIgnorePortInHostMatching());
  }

  private static @Nullable VirtualHost virtualHost(
      io.envoyproxy.envoy.config.route.v3.VirtualHost v, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(v, path, errors, VIRTUAL_HOST);
    if (v.getDomainsCount() == 0) {
      errors.add(path + ".domains", "must not be empty");
      return null;
    }
    for (int d = 0; d < v.getDomainsCount(); d++) {
      String domain = v.getDomains(d);
      boolean badWildcard = domain.indexOf('*') != domain.lastIndexOf('*')
          || (domain.contains("*") && !domain.startsWith("*") && !domain.endsWith("*"));
      if (domain.isEmpty() || badWildcard) {
        errors.add(ProtoFields.at(path + ".domains", d), "'" + domain + "' is not a domain, a '*' prefix/suffix wildcard, or '*'");
      }
    }
    List<Route> routes = new ArrayList<>();
    for (int r = 0; r < v.getRoutesCount(); r++) {
      Route route = route(v.getRoutes(r), v.getName(), r, ProtoFields.at(path + ".routes", r), errors);
      if (route != null) {
        routes.add(route);
      }
    }
    return new VirtualHost(v.getName(), v.getDomainsList(), routes);
  }

  private static @Nullable Route route(
      io.envoyproxy.envoy.config.route.v3.Route r, String vhostName, int index, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(r, path, errors, ROUTE);
    RouteMatch match = null;
    if (!r.hasMatch()) {
      errors.add(path + ".match", "is required");
    } else {
      match = RouteMatchTranslator.translate(r.getMatch(), path + ".match", errors);
    }
    PathMatch matchedPath = match == null ? null : match.path();
    RouteAction action = switch (r.getActionCase()) {
      case ROUTE -> RouteActionTranslator.forward(r.getRoute(), matchedPath, path + ".route", errors);
      case REDIRECT -> RouteActionTranslator.redirect(r.getRedirect(), matchedPath, path + ".redirect", errors);
      case DIRECT_RESPONSE -> directResponse(r.getDirectResponse(), path + ".direct_response", errors);
      case ACTION_NOT_SET -> {
        errors.add(path, "one of route, redirect or direct_response is required");
        yield null;
      }
      default -> null; // reported by onlySupported
    };
    HeaderModifier request = headers(r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList(),
        path, "request", errors);
    HeaderModifier response = headers(r.getResponseHeadersToAddList(), r.getResponseHeadersToRemoveList(),
        path, "response", errors);
    FaultInjection fault = null;
    for (var e : r.getTypedPerFilterConfigMap().entrySet()) {
      String fpath = path + ".typed_per_filter_config[\"" + e.getKey() + "\"]";
      if (!e.getKey().equals(FaultTranslator.FILTER_NAME)) {
        errors.unsupported(fpath);
      } else if (r.getActionCase() != io.envoyproxy.envoy.config.route.v3.Route.ActionCase.ROUTE) {
        errors.add(fpath, "fault injection needs a route action (not redirect or direct_response)");
      } else {
        fault = FaultTranslator.translate(e.getValue(), fpath, errors);
      }
    }
    if (match == null || action == null) {
      return null;
    }
    String name = r.getName().isEmpty() ? vhostName + "/routes[" + index + "]" : r.getName();
    return new Route(name, match, action, request, response, fault);
  }

  private static @Nullable RouteAction directResponse(DirectResponseAction d, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(d, path, errors, DIRECT_RESPONSE);
    String body = "";
    if (d.hasBody()) {
      DataSource b = d.getBody();
      ProtoFields.onlySupported(b, path + ".body", errors, DATA_SOURCE);
      body = switch (b.getSpecifierCase()) {
        case INLINE_STRING -> b.getInlineString();
        case INLINE_BYTES -> b.getInlineBytes().toString(StandardCharsets.UTF_8);
        default -> "";
      };
    }
    if (d.getStatus() < 200 || d.getStatus() > 599) {
      errors.add(path + ".status", "must be in [200, 599], got " + d.getStatus());
      return null;
    }
    return new RouteAction.DirectResponse(d.getStatus(), body);
  }

  @SuppressWarnings("deprecation") // `append` is deprecated in favour of append_action; both are honoured
  private static HeaderModifier headers(
      List<HeaderValueOption> add, List<String> remove, String path, String side, ValidationErrors errors) {
    List<HeaderModifier.Header> set = new ArrayList<>();
    List<HeaderModifier.Header> append = new ArrayList<>();
    String addPath = path + "." + side + "_headers_to_add";
    for (int i = 0; i < add.size(); i++) {
      HeaderValueOption o = add.get(i);
      String opath = ProtoFields.at(addPath, i);
      ProtoFields.onlySupported(o, opath, errors, HEADER_VALUE_OPTION);
      ProtoFields.onlySupported(o.getHeader(), opath + ".header", errors, HEADER_VALUE);
      String key = o.getHeader().getKey();
      if (!checkHeaderName(key, opath + ".header.key", errors)) {
        continue;
      }
      String value = literal(o.getHeader().getValue(), opath + ".header.value", errors);
      if (value == null) {
        continue;
      }
      boolean overwrite;
      if (o.hasAppend()) {
        if (o.getAppendAction() != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
          errors.add(opath, "append and append_action cannot both be set");
          continue;
        }
        overwrite = !o.getAppend().getValue();
      } else {
        switch (o.getAppendAction()) {
          case APPEND_IF_EXISTS_OR_ADD -> overwrite = false;
          case OVERWRITE_IF_EXISTS_OR_ADD -> overwrite = true;
          default -> {
            errors.add(opath + ".append_action", o.getAppendAction() + " not supported");
            continue;
          }
        }
      }
      (overwrite ? set : append).add(new HeaderModifier.Header(key, value));
    }
    List<String> removed = new ArrayList<>();
    for (int i = 0; i < remove.size(); i++) {
      if (checkHeaderName(remove.get(i), ProtoFields.at(path + "." + side + "_headers_to_remove", i), errors)) {
        removed.add(remove.get(i));
      }
    }
    return new HeaderModifier(set, append, removed);
  }

  private static boolean checkHeaderName(String name, String path, ValidationErrors errors) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.isEmpty() || n.startsWith(":") || n.equals("host")) {
      errors.add(path, "'" + name + "' cannot be modified (empty, pseudo-header or host)");
      return false;
    }
    for (int i = 0; i < n.length(); i++) {
      char c = n.charAt(i);
      if (c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        errors.add(path, "'" + name + "' is not a valid header name");
        return false;
      }
    }
    return true;
  }

  /**
   * A header value with Envoy's {@code %%} escapes resolved. Other {@code %} sequences are Envoy
   * command operators ({@code %DOWNSTREAM_REMOTE_ADDRESS%} ...) that Trellis does not evaluate.
   */
  private static @Nullable String literal(String value, String path, ValidationErrors errors) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        if (i + 1 < value.length() && value.charAt(i + 1) == '%') {
          out.append('%');
          i++;
          continue;
        }
        errors.add(path, "command operators (%...%) are not supported; write a literal % as %%");
        return null;
      }
      if (c == '\r' || c == '\n' || c == '\0') {
        errors.add(path, "must not contain CR, LF or NUL");
        return null;
      }
      out.append(c);
    }
    return out.toString();
  }
}
