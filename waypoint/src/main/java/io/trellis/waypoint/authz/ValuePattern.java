package io.trellis.waypoint.authz;

/**
 * Istio's value syntax in authorization rules: {@code *} alone matches any non-empty value,
 * {@code abc*} is a prefix, {@code *abc} a suffix, anything else must be equal.
 */
final class ValuePattern {
  private ValuePattern() {}

  static boolean matches(String pattern, String value) {
    if (pattern.equals("*")) {
      return !value.isEmpty();
    }
    if (pattern.endsWith("*")) {
      return value.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    if (pattern.startsWith("*")) {
      return value.endsWith(pattern.substring(1));
    }
    return pattern.equals(value);
  }

  static boolean anyMatches(Iterable<String> patterns, String value) {
    for (String p : patterns) {
      if (matches(p, value)) {
        return true;
      }
    }
    return false;
  }
}
