package io.trellis.waypoint.route;

import io.trellis.waypoint.resilience.RetryPolicy;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/** What a matched route does with the request. */
public sealed interface RouteAction {

  /**
   * Forward to one of several weighted backends.
   *
   * @param backends the weighted backends; a backend with weight 0 gets no traffic and if every
   *     weight is 0 the data path answers 500 (Gateway API)
   * @param timeouts request and per-try timeouts
   * @param retry the retry policy, or null for no retries
   * @param mirrors where copies of the request go
   * @param hashPolicies what a ring-hash balancer hashes; empty for none
   * @param pathRewrite how to rewrite the path upstream, or null to keep it
   * @param hostRewrite the authority to send upstream, or null to keep it
   */
  record Forward(
      List<WeightedBackend> backends,
      Timeouts timeouts,
      @Nullable RetryPolicy retry,
      List<RequestMirror> mirrors,
      List<HashPolicy> hashPolicies,
      @Nullable PathRewrite pathRewrite,
      @Nullable String hostRewrite)
      implements RouteAction {

    /** Makes immutable copies and checks there is at least one backend. */
    public Forward {
      backends = List.copyOf(backends);
      mirrors = List.copyOf(mirrors);
      hashPolicies = List.copyOf(hashPolicies);
      if (backends.isEmpty()) {
        throw new IllegalArgumentException("a forwarding route needs at least one backend");
      }
    }

    /** Forward everything to one cluster with Envoy's default timeout and no retries. */
    public static Forward to(String cluster) {
      return new Forward(
          List.of(new WeightedBackend(cluster, 1)),
          new Timeouts(Timeouts.ENVOY_DEFAULT_REQUEST, java.time.Duration.ZERO),
          null, List.of(), List.of(), null, null);
    }

    /**
     * Picks a backend in proportion to the weights; null when every weight is 0, which the data
     * path must answer with 500.
     */
    public @Nullable WeightedBackend pickBackend(RandomGenerator random) {
      long total = 0;
      for (WeightedBackend b : backends) {
        total += b.weight();
      }
      if (total == 0) {
        return null;
      }
      long r = random.nextLong(total);
      for (WeightedBackend b : backends) {
        r -= b.weight();
        if (r < 0) {
          return b;
        }
      }
      throw new AssertionError("weights summed to " + total + " but no backend was picked");
    }

    /** The key a ring-hash balancer should hash for this request, or null. */
    public @Nullable String hashKey(Request request) {
      return HashPolicy.hashKey(hashPolicies, request);
    }
  }

  /**
   * Answer with a redirect (Gateway API {@code RequestRedirect}, Envoy {@code redirect}); unset
   * parts keep the request's values.
   *
   * @param scheme the new scheme, or null to keep it
   * @param host the new host (without port), or null to keep it
   * @param port the new port, or null: keep the request's port unless the scheme changes
   * @param path how to change the path, or null to keep it
   * @param status 301, 302, 303, 307 or 308
   * @param stripQuery whether to drop the query string
   */
  record Redirect(
      @Nullable String scheme,
      @Nullable String host,
      @Nullable Integer port,
      @Nullable PathRewrite path,
      int status,
      boolean stripQuery)
      implements RouteAction {

    /** Checks the status code. */
    public Redirect {
      if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        throw new IllegalArgumentException("redirect status must be 301, 302, 303, 307 or 308, got " + status);
      }
    }

    /**
     * The {@code Location} header for {@code request}, which matched {@code matched}. The
     * request's scheme is {@code http} (the waypoint sees plain HTTP inside HBONE); a default
     * port for the resulting scheme is omitted.
     */
    public String location(Request request, PathMatch matched) {
      String newScheme = scheme == null ? "http" : scheme.toLowerCase(Locale.ROOT);
      String authority = request.authority();
      String reqHost = authority;
      Integer reqPort = null;
      int colon = authority.lastIndexOf(':');
      if (colon > 0 && authority.indexOf(']', colon) < 0) {
        reqHost = authority.substring(0, colon);
        try {
          reqPort = Integer.valueOf(authority.substring(colon + 1));
        } catch (NumberFormatException notAPort) {
          reqHost = authority;
        }
      }
      Integer outPort = port != null ? port : (scheme != null && !newScheme.equals("http") ? null : reqPort);
      if (outPort != null && (("http".equals(newScheme) && outPort == 80) || ("https".equals(newScheme) && outPort == 443))) {
        outPort = null;
      }
      String outPath = path == null ? request.path() : path.apply(request.path(), matched);
      StringBuilder loc = new StringBuilder(newScheme).append("://").append(host == null ? reqHost : host);
      if (outPort != null) {
        loc.append(':').append(outPort);
      }
      loc.append(outPath);
      int q = request.pathAndQuery().indexOf('?');
      if (!stripQuery && q >= 0) {
        int fragment = request.pathAndQuery().indexOf('#', q);
        loc.append(fragment < 0 ? request.pathAndQuery().substring(q) : request.pathAndQuery().substring(q, fragment));
      }
      return loc.toString();
    }
  }

  /**
   * Answer directly without an upstream (Envoy {@code direct_response}).
   *
   * @param status the HTTP status, 200..599
   * @param body the response body, possibly empty
   */
  record DirectResponse(int status, String body) implements RouteAction {
    /** Checks the status. */
    public DirectResponse {
      if (status < 200 || status > 599) {
        throw new IllegalArgumentException("direct response status must be in [200, 599], got " + status);
      }
    }
  }
}
