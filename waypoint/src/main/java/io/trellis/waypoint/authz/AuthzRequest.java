package io.trellis.waypoint.authz;

import io.trellis.waypoint.route.Request;
import org.jspecify.annotations.Nullable;

/**
 * What authorization looks at: the HTTP request and the authenticated peer.
 *
 * @param request the HTTP request
 * @param sourcePrincipal the peer's identity from its mTLS certificate
 *     ({@code spiffe://td/ns/x/sa/y} or {@code td/ns/x/sa/y}), or null if unauthenticated
 * @param sourceNamespace the peer's namespace, or null to derive it from the principal
 */
public record AuthzRequest(Request request, @Nullable String sourcePrincipal, @Nullable String sourceNamespace) {

  /** The principal without {@code spiffe://}, or empty if unauthenticated. */
  String principal() {
    return sourcePrincipal == null ? "" : stripSpiffe(sourcePrincipal);
  }

  /** The namespace, from the field or the principal's {@code /ns/<namespace>/} part; else empty. */
  String namespace() {
    if (sourceNamespace != null) {
      return sourceNamespace;
    }
    String p = principal();
    int ns = p.indexOf("/ns/");
    if (ns < 0) {
      return "";
    }
    int end = p.indexOf('/', ns + 4);
    return end < 0 ? p.substring(ns + 4) : p.substring(ns + 4, end);
  }

  static String stripSpiffe(String principal) {
    return principal.startsWith("spiffe://") ? principal.substring("spiffe://".length()) : principal;
  }
}
