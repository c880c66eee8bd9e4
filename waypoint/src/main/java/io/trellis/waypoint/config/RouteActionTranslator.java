package io.trellis.waypoint.config;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.trellis.waypoint.resilience.RetryOn;
import io.trellis.waypoint.resilience.RetryPolicy;
import io.trellis.waypoint.route.HashPolicy;
import io.trellis.waypoint.route.PathMatch;
import io.trellis.waypoint.route.PathRewrite;
import io.trellis.waypoint.route.RequestMirror;
import io.trellis.waypoint.route.Timeouts;
import io.trellis.waypoint.route.WeightedBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Envoy {@code RouteAction} (forwarding) and {@code RedirectAction}. */
final class RouteActionTranslator {
  private static final Set<String> ROUTE_ACTION = Set.of(
      "cluster", "weighted_clusters", "timeout", "retry_policy", "request_mirror_policies", "hash_policy",
      "prefix_rewrite", "host_rewrite_literal");
  private static final Set<String> WEIGHTED_CLUSTERS = Set.of("clusters");
  private static final Set<String> CLUSTER_WEIGHT = Set.of("name", "weight");
  private static final Set<String> RETRY_POLICY = Set.of(
      "retry_on", "num_retries", "per_try_timeout", "retry_back_off", "retriable_status_codes", "retriable_request_headers");
  private static final Set<String> BACK_OFF = Set.of("base_interval", "max_interval");
  private static final Set<String> MIRROR = Set.of("cluster", "runtime_fraction");
  private static final Set<String> RUNTIME_FRACTION = Set.of("default_value");
  private static final Set<String> FRACTION = Set.of("numerator", "denominator");
  private static final Set<String> HASH_POLICY = Set.of("header", "query_parameter");
  private static final Set<String> HASH_HEADER = Set.of("header_name");
  private static final Set<String> HASH_QUERY = Set.of("name");
  private static final Set<String> REDIRECT = Set.of(
      "https_redirect", "scheme_redirect", "host_redirect", "port_redirect", "path_redirect", "prefix_rewrite",
      "response_code", "strip_query");

  private RouteActionTranslator() {}

  static io.trellis.waypoint.route.@Nullable RouteAction forward(
      RouteAction a, @Nullable PathMatch matched, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(a, path, errors, ROUTE_ACTION);
    List<WeightedBackend> backends = backends(a, path, errors);
    Duration request = Timeouts.ENVOY_DEFAULT_REQUEST;
    if (a.hasTimeout()) {
      request = ProtoFields.duration(a.getTimeout(), path + ".timeout", errors);
    }
    RetryPolicy retry = null;
    Duration perTry = Duration.ZERO;
    if (a.hasRetryPolicy()) {
      retry = retry(a.getRetryPolicy(), path + ".retry_policy", errors);
      if (retry != null) {
        perTry = retry.perTryTimeout();
      }
    }
    List<RequestMirror> mirrors = new ArrayList<>();
    for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
      RequestMirror m = mirror(a.getRequestMirrorPolicies(i), ProtoFields.at(path + ".request_mirror_policies", i), errors);
      if (m != null) {
        mirrors.add(m);
      }
    }
    List<HashPolicy> hashes = new ArrayList<>();
    for (int i = 0; i < a.getHashPolicyCount(); i++) {
      HashPolicy h = hash(a.getHashPolicy(i), ProtoFields.at(path + ".hash_policy", i), errors);
      if (h != null) {
        hashes.add(h);
      }
    }
    PathRewrite rewrite = null;
    if (!a.getPrefixRewrite().isEmpty()) {
      if (!(matched instanceof PathMatch.Prefix || matched instanceof PathMatch.SegmentPrefix)) {
        errors.add(path + ".prefix_rewrite", "needs a prefix or path_separated_prefix match");
      }
      rewrite = new PathRewrite.ReplacePrefix(a.getPrefixRewrite());
    }
    String hostRewrite = a.getHostRewriteLiteral().isEmpty() ? null : a.getHostRewriteLiteral();
    if (backends == null || request == null) {
      return null;
    }
    return new io.trellis.waypoint.route.RouteAction.Forward(
        backends, new Timeouts(request, perTry), retry, mirrors, hashes, rewrite, hostRewrite);
  }

  private static @Nullable List<WeightedBackend> backends(RouteAction a, String path, ValidationErrors errors) {
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (a.getCluster().isEmpty()) {
          errors.add(path + ".cluster", "must not be empty");
          return null;
        }
        return List.of(new WeightedBackend(a.getCluster(), 1));
      }
      case WEIGHTED_CLUSTERS -> {
        WeightedCluster wc = a.getWeightedClusters();
        String wpath = path + ".weighted_clusters";
        ProtoFields.onlySupported(wc, wpath, errors, WEIGHTED_CLUSTERS);
        if (wc.getClustersCount() == 0) {
          errors.add(wpath + ".clusters", "must not be empty");
          return null;
        }
        List<WeightedBackend> out = new ArrayList<>();
        for (int i = 0; i < wc.getClustersCount(); i++) {
          WeightedCluster.ClusterWeight cw = wc.getClusters(i);
          String cpath = ProtoFields.at(wpath + ".clusters", i);
          ProtoFields.onlySupported(cw, cpath, errors, CLUSTER_WEIGHT);
          if (cw.getName().isEmpty()) {
            errors.add(cpath + ".name", "must not be empty");
          } else if (cw.getWeight().getValue() < 0) { // uint32 above Integer.MAX_VALUE
            errors.add(cpath + ".weight", "must be <= " + Integer.MAX_VALUE);
          } else {
            // An all-zero split is accepted and answered with 500, as the Gateway API requires.
            out.add(new WeightedBackend(cw.getName(), cw.getWeight().getValue()));
          }
        }
        return out.isEmpty() ? null : out;
      }
      case CLUSTERSPECIFIER_NOT_SET -> {
        errors.add(path, "one of cluster or weighted_clusters is required");
        return null;
      }
      default -> {
        return null; // reported by onlySupported
      }
    }
  }

  static @Nullable RetryPolicy retry(io.envoyproxy.envoy.config.route.v3.RetryPolicy r, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(r, path, errors, RETRY_POLICY);
    Set<RetryOn> on = EnumSet.noneOf(RetryOn.class);
    for (String token : r.getRetryOn().split(",")) {
      String t = token.trim();
      if (t.isEmpty()) {
        continue;
      }
      RetryOn.fromEnvoyName(t).ifPresentOrElse(on::add,
          () -> errors.add(path + ".retry_on", "'" + t + "' not supported"));
    }
    int numRetries = r.hasNumRetries() ? r.getNumRetries().getValue() : 1; // Envoy's default
    Set<Integer> codes = new HashSet<>();
    for (int i = 0; i < r.getRetriableStatusCodesCount(); i++) {
      int c = r.getRetriableStatusCodes(i);
      if (c < 100 || c > 599) {
        errors.add(ProtoFields.at(path + ".retriable_status_codes", i), "must be in [100, 599], got " + c);
      } else {
        codes.add(c);
      }
    }
    Duration perTry = r.hasPerTryTimeout() ? ProtoFields.duration(r.getPerTryTimeout(), path + ".per_try_timeout", errors) : Duration.ZERO;
    Duration base = RetryPolicy.DEFAULT_BACKOFF_BASE;
    Duration max = null;
    if (r.hasRetryBackOff()) {
      String bpath = path + ".retry_back_off";
      ProtoFields.onlySupported(r.getRetryBackOff(), bpath, errors, BACK_OFF);
      if (!r.getRetryBackOff().hasBaseInterval()) {
        errors.add(bpath + ".base_interval", "is required");
      } else {
        base = ProtoFields.duration(r.getRetryBackOff().getBaseInterval(), bpath + ".base_interval", errors);
      }
      if (r.getRetryBackOff().hasMaxInterval()) {
        max = ProtoFields.duration(r.getRetryBackOff().getMaxInterval(), bpath + ".max_interval", errors);
      }
    }
    Set<String> methods = retriableMethods(r, path, errors);
    if (base == null || perTry == null || (r.hasRetryBackOff() && r.getRetryBackOff().hasMaxInterval() && max == null)) {
      return null;
    }
    if (!base.isPositive()) {
      errors.add(path + ".retry_back_off.base_interval", "must be > 0");
      return null;
    }
    if (max == null) {
      max = base.multipliedBy(10);
    }
    try {
      return new RetryPolicy(on, numRetries, codes, perTry, base, max, methods);
    } catch (IllegalArgumentException e) {
      errors.add(path, e.getMessage());
      return null;
    }
  }

  /**
   * Envoy retries any method; Trellis retries idempotent methods unless the policy lists methods
   * with {@code retriable_request_headers} matchers on {@code :method}.
   */
  @SuppressWarnings("deprecation") // exact_match is deprecated but still honoured
  private static Set<String> retriableMethods(io.envoyproxy.envoy.config.route.v3.RetryPolicy r, String path, ValidationErrors errors) {
    if (r.getRetriableRequestHeadersCount() == 0) {
      return RetryPolicy.IDEMPOTENT_METHODS;
    }
    Set<String> methods = new HashSet<>();
    for (int i = 0; i < r.getRetriableRequestHeadersCount(); i++) {
      HeaderMatcher h = r.getRetriableRequestHeaders(i);
      String hpath = ProtoFields.at(path + ".retriable_request_headers", i);
      String exact = switch (h.getHeaderMatchSpecifierCase()) {
        case EXACT_MATCH -> h.getExactMatch();
        case STRING_MATCH -> h.getStringMatch().hasExact() && !h.getStringMatch().getIgnoreCase() ? h.getStringMatch().getExact() : null;
        default -> null;
      };
      if (!h.getName().equals(":method") || exact == null || h.getInvertMatch()) {
        errors.add(hpath, "only exact matches on :method are supported (they list the retriable methods)");
      } else {
        methods.add(exact);
      }
    }
    return methods;
  }

  private static @Nullable RequestMirror mirror(RouteAction.RequestMirrorPolicy m, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(m, path, errors, MIRROR);
    if (m.getCluster().isEmpty()) {
      errors.add(path + ".cluster", "must not be empty");
      return null;
    }
    int ppm = RequestMirror.ALL;
    if (m.hasRuntimeFraction()) {
      ProtoFields.onlySupported(m.getRuntimeFraction(), path + ".runtime_fraction", errors, RUNTIME_FRACTION);
      FractionalPercent f = m.getRuntimeFraction().getDefaultValue();
      ProtoFields.onlySupported(f, path + ".runtime_fraction.default_value", errors, FRACTION);
      long scale = switch (f.getDenominator()) {
        case HUNDRED -> 10_000;
        case TEN_THOUSAND -> 100;
        case MILLION -> 1;
        default -> {
          errors.add(path + ".runtime_fraction.default_value.denominator", "unknown denominator");
          yield 0;
        }
      };
      ppm = (int) Math.min(RequestMirror.ALL, Integer.toUnsignedLong(f.getNumerator()) * scale); // Envoy caps at 100 %
    }
    return new RequestMirror(m.getCluster(), ppm);
  }

  private static @Nullable HashPolicy hash(RouteAction.HashPolicy h, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(h, path, errors, HASH_POLICY);
    return switch (h.getPolicySpecifierCase()) {
      case HEADER -> {
        ProtoFields.onlySupported(h.getHeader(), path + ".header", errors, HASH_HEADER);
        if (h.getHeader().getHeaderName().isEmpty()) {
          errors.add(path + ".header.header_name", "must not be empty");
          yield null;
        }
        yield new HashPolicy.Header(h.getHeader().getHeaderName());
      }
      case QUERY_PARAMETER -> {
        ProtoFields.onlySupported(h.getQueryParameter(), path + ".query_parameter", errors, HASH_QUERY);
        if (h.getQueryParameter().getName().isEmpty()) {
          errors.add(path + ".query_parameter.name", "must not be empty");
          yield null;
        }
        yield new HashPolicy.QueryParameter(h.getQueryParameter().getName());
      }
      case POLICYSPECIFIER_NOT_SET -> {
        errors.add(path, "one of header or query_parameter is required");
        yield null;
      }
      default -> null; // reported by onlySupported
    };
  }

  static io.trellis.waypoint.route.@Nullable RouteAction redirect(
      RedirectAction r, @Nullable PathMatch matched, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(r, path, errors, REDIRECT);
    String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
      case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
      case SCHEME_REDIRECT -> r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect();
      default -> null;
    };
    PathRewrite rewrite = switch (r.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT -> new PathRewrite.ReplaceFullPath(r.getPathRedirect());
      case PREFIX_REWRITE -> {
        if (!(matched instanceof PathMatch.Prefix || matched instanceof PathMatch.SegmentPrefix)) {
          errors.add(path + ".prefix_rewrite", "needs a prefix or path_separated_prefix match");
        }
        yield new PathRewrite.ReplacePrefix(r.getPrefixRewrite());
      }
      default -> null;
    };
    int status = switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY -> 301;
      case FOUND -> 302;
      case SEE_OTHER -> 303;
      case TEMPORARY_REDIRECT -> 307;
      case PERMANENT_REDIRECT -> 308;
      default -> {
        errors.add(path + ".response_code", "unknown value " + r.getResponseCodeValue());
        yield 0;
      }
    };
    if (r.getPortRedirect() < 0 || r.getPortRedirect() > 65535) {
      errors.add(path + ".port_redirect", "must be <= 65535, got " + Integer.toUnsignedString(r.getPortRedirect()));
      return null;
    }
    if (status == 0) {
      return null;
    }
    String host = r.getHostRedirect().isEmpty() ? null : r.getHostRedirect();
    Integer port = r.getPortRedirect() == 0 ? null : r.getPortRedirect();
    return new io.trellis.waypoint.route.RouteAction.Redirect(scheme, host, port, rewrite, status, r.getStripQuery());
  }
}
