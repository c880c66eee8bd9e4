package io.trellis.waypoint.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteActionTest {

  private static RouteAction.Forward split(WeightedBackend... backends) {
    return new RouteAction.Forward(List.of(backends), Timeouts.none(), null, List.of(), List.of(), null, null);
  }

  @Test
  void canarySplitIs95To5WithinTwoPercentOver10000Picks() {
    RouteAction.Forward f = split(new WeightedBackend("stable", 95), new WeightedBackend("canary", 5));
    SplittableRandom random = new SplittableRandom(42);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      counts.merge(f.pickBackend(random).cluster(), 1, Integer::sum);
    }
    assertThat(counts.get("stable") / 10_000.0).isCloseTo(0.95, within(0.02));
    assertThat(counts.get("canary") / 10_000.0).isCloseTo(0.05, within(0.02));
  }

  @Test
  void zeroWeightBackendsGetNothingAndAllZeroMeans500() {
    RouteAction.Forward f = split(new WeightedBackend("off", 0), new WeightedBackend("on", 3));
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 1000; i++) {
      assertThat(f.pickBackend(random).cluster()).isEqualTo("on");
    }
    RouteAction.Forward none = split(new WeightedBackend("a", 0), new WeightedBackend("b", 0));
    assertThat(none.pickBackend(random)).isNull();
    assertThatThrownBy(() -> new WeightedBackend("neg", -1)).hasMessageContaining("weight must be >= 0");
  }

  @Test
  void mirrorsTheConfiguredFraction() {
    RequestMirror half = new RequestMirror("shadow", 500_000);
    SplittableRandom random = new SplittableRandom(7);
    int mirrored = 0;
    for (int i = 0; i < 10_000; i++) {
      if (half.shouldMirror(random)) {
        mirrored++;
      }
    }
    assertThat(mirrored / 10_000.0).isCloseTo(0.5, within(0.02));
    assertThat(new RequestMirror("s", RequestMirror.ALL).shouldMirror(random)).isTrue();
    assertThat(new RequestMirror("s", 0).shouldMirror(random)).isFalse();
    assertThatThrownBy(() -> new RequestMirror("s", 2_000_000)).hasMessageContaining("ppm");
  }

  static Stream<Arguments> redirects() {
    PathMatch api = new PathMatch.SegmentPrefix("/api");
    return Stream.of(
        Arguments.of(new RouteAction.Redirect("https", null, null, null, 301, false), "svc", "/api/x?q=1",
            api, "https://svc/api/x?q=1"),
        Arguments.of(new RouteAction.Redirect("https", null, null, null, 301, false), "svc:8080", "/a",
            api, "https://svc/a"),
        Arguments.of(new RouteAction.Redirect(null, null, null, null, 302, false), "svc:8080", "/a",
            api, "http://svc:8080/a"),
        Arguments.of(new RouteAction.Redirect(null, "other", 80, null, 302, true), "svc:8080", "/a?x=1",
            api, "http://other/a"),
        Arguments.of(new RouteAction.Redirect(null, null, 9090, new PathRewrite.ReplacePrefix("/v2"), 308, false),
            "svc", "/api/users?id=3", api, "http://svc:9090/v2/users?id=3"),
        Arguments.of(new RouteAction.Redirect(null, null, null, new PathRewrite.ReplaceFullPath("/login"), 302, false),
            "[::1]:8080", "/api/x", api, "http://[::1]:8080/login"));
  }

  @ParameterizedTest(name = "{0} for {1}{2} -> {4}")
  @MethodSource("redirects")
  void computesRedirectLocations(RouteAction.Redirect r, String authority, String target, PathMatch matched, String expected) {
    assertThat(r.location(Request.of("GET", target, authority), matched)).isEqualTo(expected);
  }

  @Test
  void rejectsInvalidActions() {
    assertThatThrownBy(() -> new RouteAction.Redirect(null, null, null, null, 200, false)).hasMessageContaining("301");
    assertThatThrownBy(() -> new RouteAction.DirectResponse(99, "")).hasMessageContaining("[200, 599]");
    assertThatThrownBy(() -> split()).hasMessageContaining("at least one backend");
    assertThatThrownBy(() -> new Timeouts(Duration.ofSeconds(-1), Duration.ZERO)).hasMessageContaining("negative");
  }

  @Test
  void attemptDeadlineIsTheEarlierOfRequestAndPerTry() {
    Timeouts t = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(3));
    long s = 1_000;
    assertThat(t.attemptDeadlineNanos(s, s)).isEqualTo(s + 3_000_000_000L);
    assertThat(t.attemptDeadlineNanos(s, s + 9_000_000_000L)).isEqualTo(s + 10_000_000_000L);
    assertThat(Timeouts.none().attemptDeadlineNanos(s, s)).isEqualTo(Long.MAX_VALUE);
    // Huge timeouts saturate instead of overflowing into the past.
    Timeouts huge = new Timeouts(Duration.ofDays(365L * 1000), Duration.ofSeconds(Long.MAX_VALUE));
    assertThat(huge.attemptDeadlineNanos(Long.MAX_VALUE - 10, Long.MAX_VALUE - 10)).isEqualTo(Long.MAX_VALUE);
  }

  static Stream<Arguments> hashKeys() {
    return Stream.of(
        Arguments.of(List.of(new HashPolicy.Header("x-user")), Headers.of("x-user", "u1"), "/", "u1"),
        Arguments.of(List.of(new HashPolicy.Header("x-user")), Headers.empty(), "/", null),
        Arguments.of(List.of(new HashPolicy.QueryParameter("session")), Headers.empty(), "/?session=s9", "s9"),
        Arguments.of(List.of(new HashPolicy.Header("x-a"), new HashPolicy.Header("x-b")),
            Headers.of("x-a", "1", "x-b", "2"), "/", "1\u00002"));
  }

  @ParameterizedTest
  @MethodSource("hashKeys")
  void hashKeysComeFromHeadersOrQuery(List<HashPolicy> policies, Headers headers, String target, @Nullable String expected) {
    RouteAction.Forward f = new RouteAction.Forward(List.of(new WeightedBackend("c", 1)), Timeouts.none(), null,
        List.of(), policies, null, null);
    assertThat(f.hashKey(Request.of("GET", target, "h", headers))).isEqualTo(expected);
  }
}
