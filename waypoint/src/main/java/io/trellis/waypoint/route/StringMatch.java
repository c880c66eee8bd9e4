package io.trellis.waypoint.route;

import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How a header, query parameter or other string value is compared: Envoy's
 * {@code StringMatcher} (exact, prefix, suffix, contains, regex; optionally case-insensitive).
 * Gateway API routes use only {@link Exact} and {@link Regex}.
 */
public sealed interface StringMatch {
  /** Whether {@code value} matches. */
  boolean matches(String value);

  /** Equal to {@code value} (ignoring ASCII case if asked). */
  record Exact(String value, boolean ignoreCase) implements StringMatch {
    /** Case-sensitive exact match. */
    public Exact(String value) {
      this(value, false);
    }

    @Override
    public boolean matches(String v) {
      return ignoreCase ? value.equalsIgnoreCase(v) : value.equals(v);
    }
  }

  /** Starts with {@code prefix}. */
  record Prefix(String prefix, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String v) {
      return v.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
    }
  }

  /** Ends with {@code suffix}. */
  record Suffix(String suffix, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String v) {
      int start = v.length() - suffix.length();
      return start >= 0 && v.regionMatches(ignoreCase, start, suffix, 0, suffix.length());
    }
  }

  /** Contains {@code infix}. */
  record Contains(String infix, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String v) {
      return ignoreCase
          ? v.toLowerCase(Locale.ROOT).contains(infix.toLowerCase(Locale.ROOT))
          : v.contains(infix);
    }
  }

  /**
   * The whole value matches the regular expression (Envoy and Gateway API regexes are anchored
   * full matches).
   */
  record Regex(Pattern pattern) implements StringMatch {
    /** Compiles {@code regex}; throws {@link java.util.regex.PatternSyntaxException} if invalid. */
    public static Regex of(String regex) {
      return new Regex(Pattern.compile(regex));
    }

    @Override
    public boolean matches(String v) {
      return BoundedRegex.fullMatch(pattern, v);
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
