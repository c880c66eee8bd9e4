package io.trellis.waypoint.route;

import org.jspecify.annotations.Nullable;

/**
 * Matches one query parameter by its first value.
 *
 * @param name the case-sensitive parameter name
 * @param value how to compare the value; null means "the parameter is present"
 */
public record QueryParamMatch(String name, @Nullable StringMatch value) {
  /** The parameter equals {@code value}. */
  public static QueryParamMatch exact(String name, String value) {
    return new QueryParamMatch(name, new StringMatch.Exact(value));
  }

  /** The parameter fully matches {@code regex}. */
  public static QueryParamMatch regex(String name, String regex) {
    return new QueryParamMatch(name, StringMatch.Regex.of(regex));
  }

  /** Whether the request satisfies this match. */
  public boolean matches(Request request) {
    String actual = request.query().get(name);
    return actual != null && (value == null || value.matches(actual));
  }
}
