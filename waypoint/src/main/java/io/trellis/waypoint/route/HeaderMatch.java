package io.trellis.waypoint.route;

import org.jspecify.annotations.Nullable;

/**
 * Matches one request header. Repeated headers are compared as their comma-joined value, as
 * Envoy does. The pseudo-headers {@code :method}, {@code :path} and {@code :authority} are
 * matched against the request line.
 *
 * @param name the header name (lower-case)
 * @param value how to compare the value; null means "the header is present"
 * @param invert whether the result is negated (Envoy {@code invert_match})
 */
public record HeaderMatch(String name, @Nullable StringMatch value, boolean invert) {
  /** Normalizes the name. */
  public HeaderMatch {
    name = Headers.normalize(name);
  }

  /** The header equals {@code value}. */
  public static HeaderMatch exact(String name, String value) {
    return new HeaderMatch(name, new StringMatch.Exact(value), false);
  }

  /** The header fully matches {@code regex}. */
  public static HeaderMatch regex(String name, String regex) {
    return new HeaderMatch(name, StringMatch.Regex.of(regex), false);
  }

  /** Whether the request satisfies this match. */
  public boolean matches(Request request) {
    String actual = request.headerForMatch(name);
    boolean hit = actual != null && (value == null || value.matches(actual));
    return hit != invert;
  }
}
