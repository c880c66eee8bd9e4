package io.trellis.waypoint.route;

import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** How a route matches the request path (without query). */
public sealed interface PathMatch {
  /** Whether {@code path} matches. */
  boolean matches(String path);

  /** The path equals {@code value} exactly (Gateway API {@code Exact}, Envoy {@code path}). */
  record Exact(String value) implements PathMatch {
    @Override
    public boolean matches(String path) {
      return value.equals(path);
    }
  }

  /**
   * Gateway API {@code PathPrefix} (Envoy {@code path_separated_prefix}): matches whole path
   * segments, so {@code /foo} matches {@code /foo}, {@code /foo/} and {@code /foo/bar} but not
   * {@code /foobar}. A trailing {@code /} in the prefix is ignored; {@code /} matches everything.
   *
   * @param prefix the prefix as configured
   */
  record SegmentPrefix(String prefix) implements PathMatch {
    @Override
    public boolean matches(String path) {
      String p = stripped();
      if (p.isEmpty()) {
        return path.startsWith("/");
      }
      return path.startsWith(p) && (path.length() == p.length() || path.charAt(p.length()) == '/');
    }

    /** The prefix without its trailing slashes: what is actually compared. */
    public String stripped() {
      int end = prefix.length();
      while (end > 0 && prefix.charAt(end - 1) == '/') {
        end--;
      }
      return prefix.substring(0, end);
    }
  }

  /** Envoy {@code prefix}: a plain character prefix, so {@code /foo} also matches {@code /foobar}. */
  record Prefix(String prefix) implements PathMatch {
    @Override
    public boolean matches(String path) {
      return path.startsWith(prefix);
    }
  }

  /** The whole path matches the regular expression. */
  record Regex(Pattern pattern) implements PathMatch {
    /** Compiles {@code regex}; throws {@link java.util.regex.PatternSyntaxException} if invalid. */
    public static Regex of(String regex) {
      return new Regex(Pattern.compile(regex));
    }

    @Override
    public boolean matches(String path) {
      return BoundedRegex.fullMatch(pattern, path);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Regex r && r.pattern.pattern().equals(pattern.pattern());
    }

    @Override
    public int hashCode() {
      return pattern.pattern().hashCode();
    }
  }
}
