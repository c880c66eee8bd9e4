package io.trellis.waypoint.route;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The parts of an HTTP request that routing, retries and authorization look at. The data path
 * builds one per request with {@link #of} from the decoded HTTP/1.1 request line or HTTP/2
 * pseudo-headers; {@code path} and {@code query} are derived from {@code pathAndQuery} there.
 *
 * @param method the upper-case method, e.g. {@code GET}
 * @param pathAndQuery the request target as sent, e.g. {@code /a/b?x=1}
 * @param path the path without query or fragment
 * @param query the parsed query parameters
 * @param authority the {@code :authority} or {@code Host}, possibly with a port
 * @param headers the regular (non-pseudo) headers
 */
public record Request(
    String method, String pathAndQuery, String path, QueryParams query, String authority, Headers headers) {

  /** Upper-cases the method and checks for nulls. */
  public Request {
    method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
    Objects.requireNonNull(pathAndQuery, "pathAndQuery");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(headers, "headers");
  }

  /**
   * A request, splitting {@code pathAndQuery} into path and parsed query (a fragment is dropped).
   *
   * @param method the HTTP method (upper-cased here)
   * @param pathAndQuery the request target, e.g. {@code /a/b?x=1}
   * @param authority the {@code :authority} or {@code Host}, possibly with a port
   * @param headers the regular (non-pseudo) headers
   */
  public static Request of(String method, String pathAndQuery, String authority, Headers headers) {
    Objects.requireNonNull(pathAndQuery, "pathAndQuery");
    int fragment = pathAndQuery.indexOf('#');
    String target = fragment < 0 ? pathAndQuery : pathAndQuery.substring(0, fragment);
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    QueryParams query = q < 0 ? QueryParams.empty() : QueryParams.parse(target.substring(q + 1));
    return new Request(method, pathAndQuery, path, query, authority, headers);
  }

  /** A request without headers. */
  public static Request of(String method, String pathAndQuery, String authority) {
    return of(method, pathAndQuery, authority, Headers.empty());
  }

  /**
   * A header value as header matchers see it: the pseudo-headers {@code :method}, {@code :path}
   * and {@code :authority} map to the request line, other names to the comma-joined values.
   */
  @Nullable String headerForMatch(String name) {
    return switch (name) {
      case ":method" -> method;
      case ":path" -> pathAndQuery;
      case ":authority", "host" -> authority;
      default -> headers.joined(name);
    };
  }
}
