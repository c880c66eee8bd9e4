package io.trellis.waypoint.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PathMatchTest {

  static Stream<Arguments> cases() {
    return Stream.of(
        // Gateway API PathPrefix: whole segments only.
        Arguments.of(new PathMatch.SegmentPrefix("/foo"), "/foo", true),
        Arguments.of(new PathMatch.SegmentPrefix("/foo"), "/foo/", true),
        Arguments.of(new PathMatch.SegmentPrefix("/foo"), "/foo/bar", true),
        Arguments.of(new PathMatch.SegmentPrefix("/foo"), "/foobar", false),
        Arguments.of(new PathMatch.SegmentPrefix("/foo"), "/fo", false),
        Arguments.of(new PathMatch.SegmentPrefix("/foo/"), "/foo", true),
        Arguments.of(new PathMatch.SegmentPrefix("/foo/"), "/foo/bar", true),
        Arguments.of(new PathMatch.SegmentPrefix("/foo/"), "/foobar", false),
        Arguments.of(new PathMatch.SegmentPrefix("/"), "/", true),
        Arguments.of(new PathMatch.SegmentPrefix("/"), "/anything/at/all", true),
        Arguments.of(new PathMatch.SegmentPrefix("/a/b"), "/a/b/c", true),
        Arguments.of(new PathMatch.SegmentPrefix("/a/b"), "/a/bc", false),
        // Envoy prefix: characters.
        Arguments.of(new PathMatch.Prefix("/foo"), "/foobar", true),
        Arguments.of(new PathMatch.Prefix("/foo"), "/fo", false),
        // Exact.
        Arguments.of(new PathMatch.Exact("/foo"), "/foo", true),
        Arguments.of(new PathMatch.Exact("/foo"), "/foo/", false),
        Arguments.of(new PathMatch.Exact("/foo"), "/FOO", false),
        // Regex: full match.
        Arguments.of(PathMatch.Regex.of("/v[0-9]+/.*"), "/v2/users", true),
        Arguments.of(PathMatch.Regex.of("/v[0-9]+/.*"), "/x/v2/users", false),
        Arguments.of(PathMatch.Regex.of("/v[0-9]+"), "/v2/users", false));
  }

  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @MethodSource("cases")
  void matchesPaths(PathMatch match, String path, boolean expected) {
    assertThat(match.matches(path)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void catastrophicRegexBacktrackingOnAHostilePathIsCutOffAsNoMatch() {
    // (a+)+b backtracks exponentially on a run of a's without a b; RE2 would not, so neither may we hang.
    String hostile = "/" + "a".repeat(64);
    assertThat(PathMatch.Regex.of("/(a+)+b").matches(hostile)).isFalse();
    assertThat(StringMatch.Regex.of("(a+)+b").matches("a".repeat(64))).isFalse();
    // The same pattern still matches when it should.
    assertThat(PathMatch.Regex.of("/(a+)+b").matches("/aaab")).isTrue();
    // Ordinary patterns on long inputs stay well inside the budget.
    assertThat(PathMatch.Regex.of("/api/.*/items/[0-9]+").matches("/api/" + "x/".repeat(2000) + "items/42")).isTrue();
  }

  static Stream<Arguments> rewrites() {
    return Stream.of(
        Arguments.of(new PathRewrite.ReplacePrefix("/bar"), new PathMatch.SegmentPrefix("/foo"), "/foo/x", "/bar/x"),
        Arguments.of(new PathRewrite.ReplacePrefix("/bar/"), new PathMatch.SegmentPrefix("/foo"), "/foo/x", "/bar/x"),
        Arguments.of(new PathRewrite.ReplacePrefix("/"), new PathMatch.SegmentPrefix("/foo"), "/foo/x", "/x"),
        Arguments.of(new PathRewrite.ReplacePrefix("/"), new PathMatch.SegmentPrefix("/foo"), "/foo", "/"),
        Arguments.of(new PathRewrite.ReplacePrefix("/bar"), new PathMatch.SegmentPrefix("/foo"), "/foo", "/bar"),
        Arguments.of(new PathRewrite.ReplacePrefix("/v2"), new PathMatch.Prefix("/v1"), "/v1abc", "/v2abc"),
        Arguments.of(new PathRewrite.ReplacePrefix("/v2"), new PathMatch.Exact("/v1"), "/v1", "/v1"),
        Arguments.of(new PathRewrite.ReplaceFullPath("/new"), new PathMatch.SegmentPrefix("/foo"), "/foo/x", "/new"));
  }

  @ParameterizedTest(name = "{0} of {2} matched by {1} -> {3}")
  @MethodSource("rewrites")
  void rewritesPaths(PathRewrite rewrite, PathMatch matched, String path, String expected) {
    assertThat(rewrite.apply(path, matched)).isEqualTo(expected);
  }
}
