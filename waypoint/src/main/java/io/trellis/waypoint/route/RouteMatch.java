package io.trellis.waypoint.route;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One match condition of a route; every part must hold (logical AND).
 *
 * @param path the path condition
 * @param method the required upper-case method, or null for any
 * @param headers header conditions, all required
 * @param queryParams query parameter conditions, all required
 * @param grpcOnly whether only gRPC requests ({@code content-type: application/grpc...}) match
 */
public record RouteMatch(
    PathMatch path,
    @Nullable String method,
    List<HeaderMatch> headers,
    List<QueryParamMatch> queryParams,
    boolean grpcOnly) {

  /** Makes immutable copies. */
  public RouteMatch {
    headers = List.copyOf(headers);
    queryParams = List.copyOf(queryParams);
  }

  /** Matches every request (Gateway API's default: PathPrefix {@code /}). */
  public static RouteMatch any() {
    return new RouteMatch(new PathMatch.SegmentPrefix("/"), null, List.of(), List.of(), false);
  }

  /** Matches by path only. */
  public static RouteMatch path(PathMatch path) {
    return new RouteMatch(path, null, List.of(), List.of(), false);
  }

  /** Whether the request satisfies every condition. */
  public boolean matches(Request request) {
    if (!path.matches(request.path())) {
      return false;
    }
    if (method != null && !method.equals(request.method())) {
      return false;
    }
    if (grpcOnly) {
      String ct = request.headers().get("content-type");
      if (ct == null || !ct.startsWith("application/grpc")) {
        return false;
      }
    }
    for (HeaderMatch h : headers) {
      if (!h.matches(request)) {
        return false;
      }
    }
    for (QueryParamMatch q : queryParams) {
      if (!q.matches(request)) {
        return false;
      }
    }
    return true;
  }
}
