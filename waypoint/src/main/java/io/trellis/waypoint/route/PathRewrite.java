package io.trellis.waypoint.route;

/** Gateway API {@code HTTPPathModifier}: how a redirect or URL rewrite changes the path. */
public sealed interface PathRewrite {
  /**
   * The new path for {@code path}, which matched {@code matched}. Query strings are handled by
   * the caller.
   */
  String apply(String path, PathMatch matched);

  /** Replace the whole path. */
  record ReplaceFullPath(String path) implements PathRewrite {
    @Override
    public String apply(String original, PathMatch matched) {
      return path;
    }
  }

  /**
   * Replace the part of the path the route's prefix matched. With a Gateway API segment prefix,
   * {@code /foo} replaced by {@code /bar} turns {@code /foo/x} into {@code /bar/x}, and replaced by
   * {@code /} turns it into {@code /x}. Only meaningful for prefix matches; any other match leaves
   * the path unchanged (the config translator rejects that combination).
   */
  record ReplacePrefix(String replacement) implements PathRewrite {
    @Override
    public String apply(String path, PathMatch matched) {
      return switch (matched) {
        case PathMatch.SegmentPrefix sp -> {
          String rest = path.substring(Math.min(sp.stripped().length(), path.length()));
          String head = replacement.endsWith("/") ? replacement.substring(0, replacement.length() - 1) : replacement;
          String out = head + rest;
          yield out.isEmpty() ? "/" : out;
        }
        case PathMatch.Prefix p -> replacement + path.substring(Math.min(p.prefix().length(), path.length()));
        case PathMatch.Exact e -> path;
        case PathMatch.Regex r -> path;
      };
    }
  }
}
