package io.trellis.waypoint.route;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The parts of an HTTP request that routing, retries and authorization look at. The data path
 * builds one per request from the decoded HTTP/1.1 request line or HTTP/2 pseudo-headers.
 */
public final class Request {
  private final String method;
  private final String pathAndQuery;
  private final String path;
  private final QueryParams query;
  private final String authority;
  private final Headers headers;

  private Request(String method, String pathAndQuery, String authority, Headers headers) {
    this.method = method.toUpperCase(Locale.ROOT);
    this.pathAndQuery = pathAndQuery;
    int fragment = pathAndQuery.indexOf('#');
    String target = fragment < 0 ? pathAndQuery : pathAndQuery.substring(0, fragment);
    int q = target.indexOf('?');
    this.path = q < 0 ? target : target.substring(0, q);
    this.query = q < 0 ? QueryParams.empty() : QueryParams.parse(target.substring(q + 1));
    this.authority = authority;
    this.headers = headers;
  }

  /**
   * A request.
   *
   * @param method the HTTP method, e.g. {@code GET} (upper-cased here)
   * @param pathAndQuery the request target, e.g. {@code /a/b?x=1}
   * @param authority the {@code :authority} or {@code Host}, possibly with a port
   * @param headers the regular (non-pseudo) headers
   */
  public static Request of(String method, String pathAndQuery, String authority, Headers headers) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(pathAndQuery, "pathAndQuery");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(headers, "headers");
    return new Request(method, pathAndQuery, authority, headers);
  }

  /** A request without headers. */
  public static Request of(String method, String pathAndQuery, String authority) {
    return of(method, pathAndQuery, authority, Headers.empty());
  }

  /** The upper-case method. */
  public String method() {
    return method;
  }

  /** The request target as sent, with query. */
  public String pathAndQuery() {
    return pathAndQuery;
  }

  /** The path without query or fragment. */
  public String path() {
    return path;
  }

  /** The parsed query parameters. */
  public QueryParams query() {
    return query;
  }

  /** The authority as sent, possibly with a port. */
  public String authority() {
    return authority;
  }

  /** The regular headers. */
  public Headers headers() {
    return headers;
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

  @Override
  public String toString() {
    return method + " " + pathAndQuery + " authority=" + authority + " headers=" + headers;
  }
}
