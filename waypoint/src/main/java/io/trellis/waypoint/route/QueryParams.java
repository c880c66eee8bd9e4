package io.trellis.waypoint.route;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Query parameters parsed from a request target. Names are case-sensitive, as the Gateway API
 * requires. Parsing never fails: a malformed percent escape is kept verbatim, because the query
 * comes from an untrusted client and must not throw through the data path.
 *
 * @param pairs decoded name/value pairs in request order
 */
public record QueryParams(List<Pair> pairs) {
  /** One decoded parameter; a parameter without {@code =} has an empty value. */
  public record Pair(String name, String value) {}

  private static final QueryParams EMPTY = new QueryParams(List.of());

  /** Makes an immutable copy. */
  public QueryParams {
    pairs = List.copyOf(pairs);
  }

  /** No parameters. */
  public static QueryParams empty() {
    return EMPTY;
  }

  /** Parses a raw query string (the part after {@code ?}, without a fragment). */
  public static QueryParams parse(@Nullable String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return EMPTY;
    }
    List<Pair> out = new ArrayList<>();
    for (String part : rawQuery.split("&", -1)) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String name = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? "" : part.substring(eq + 1);
      out.add(new Pair(decode(name), decode(value)));
    }
    return new QueryParams(out);
  }

  /** The first value of {@code name}, or null if absent. */
  public @Nullable String get(String name) {
    for (Pair p : pairs) {
      if (p.name().equals(name)) {
        return p.value();
      }
    }
    return null;
  }

  private static String decode(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException malformedEscape) {
      return s;
    }
  }
}
