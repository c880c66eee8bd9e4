package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private static final AttemptOutcome S503 = AttemptOutcome.Response.http(503);
  private static final AttemptOutcome S500 = AttemptOutcome.Response.http(500);
  private static final AttemptOutcome OK = AttemptOutcome.Response.http(200);

  private final AtomicLong now = new AtomicLong(1_000);

  private OutlierDetector detector(OutlierDetectionConfig config, String... endpoints) {
    OutlierDetector d = new OutlierDetector("reviews", config, now::get, new SplittableRandom(1));
    d.setEndpoints(List.of(endpoints));
    return d;
  }

  private static OutlierDetectionConfig config(int consecutive5xx, int maxPercent) {
    return new OutlierDetectionConfig(consecutive5xx, 100, 5, 0, Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(300), maxPercent);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void ejectsAfterNConsecutive503sAndRestoresAfterTheEjectionTime() {
    OutlierDetector d = detector(config(3, 50), "a", "b");
    assertThat(d.record("a", S503)).isEmpty();
    assertThat(d.record("a", S503)).isEmpty();
    Optional<OutlierDetector.Ejection> e = d.record("a", S503);
    assertThat(e).contains(new OutlierDetector.Ejection("a", 1, Duration.ofSeconds(30), "consecutive_5xx"));
    assertThat(d.isEjected("a")).isTrue();
    assertThat(d.isEjected("b")).isFalse();
    advance(Duration.ofSeconds(29));
    assertThat(d.isEjected("a")).isTrue();
    advance(Duration.ofSeconds(1));
    assertThat(d.isEjected("a")).isFalse();
  }

  @Test
  void aSuccessResetsTheRun() {
    OutlierDetector d = detector(config(3, 50), "a", "b");
    d.record("a", S503);
    d.record("a", S503);
    d.record("a", OK);
    d.record("a", S503);
    assertThat(d.record("a", S503)).isEmpty();
    assertThat(d.isEjected("a")).isFalse();
  }

  @Test
  void ejectionTimeGrowsWithRepeatsUpToTheCap() {
    OutlierDetectionConfig c = new OutlierDetectionConfig(1, 100, 5, 0, Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(70), 100);
    OutlierDetector d = detector(c, "a", "b");
    long[] expected = {30, 60, 70, 70};
    for (int i = 0; i < expected.length; i++) {
      OutlierDetector.Ejection e = d.record("a", S500).orElseThrow();
      assertThat(e.timesEjected()).isEqualTo(i + 1);
      assertThat(e.duration()).isEqualTo(Duration.ofSeconds(expected[i]));
      assertThat(d.record("a", S500)).as("no re-ejection while ejected").isEmpty();
      advance(e.duration());
      assertThat(d.isEjected("a")).isFalse();
    }
  }

  @Test
  void multiplierDecaysWhileTheEndpointStaysHealthy() {
    OutlierDetectionConfig c = new OutlierDetectionConfig(1, 100, 5, 0, Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(300), 100);
    OutlierDetector d = detector(c, "a", "b");
    d.record("a", S500);
    advance(Duration.ofSeconds(30));
    d.record("a", S500); // second ejection: 60 s
    advance(Duration.ofSeconds(60));
    d.tick(); // un-ejects now
    advance(Duration.ofSeconds(10));
    d.tick(); // healthy for an interval: 2 -> 1
    advance(Duration.ofSeconds(10));
    d.tick(); // 1 -> 0
    assertThat(d.record("a", S500).orElseThrow().duration()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void maxEjectionPercentCapsEjectionsButOneIsAlwaysAllowed() {
    OutlierDetector d = detector(config(1, 10), "a", "b", "c");
    assertThat(d.record("a", S503)).isPresent(); // 10 % of 3 rounds to 0, but one is allowed
    assertThat(d.record("b", S503)).isEmpty();
    assertThat(d.ejectedCount()).isEqualTo(1);

    OutlierDetector half = detector(config(1, 50), "a", "b", "c", "d");
    assertThat(half.record("a", S503)).isPresent();
    assertThat(half.record("b", S503)).isPresent();
    assertThat(half.record("c", S503)).isEmpty();
    assertThat(half.ejectedCount()).isEqualTo(2);
  }

  @Test
  void gatewayFailuresEjectOnlyWhenEnforced() {
    OutlierDetectionConfig c = new OutlierDetectionConfig(100, 100, 2, 100, Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofSeconds(300), 100);
    OutlierDetector d = detector(c, "a", "b");
    d.record("a", new AttemptOutcome.ConnectFailure());
    assertThat(d.record("a", AttemptOutcome.Response.http(502)).orElseThrow().reason()).isEqualTo("consecutive_gateway_failure");
    // A 500 is a 5xx but not a gateway failure: it breaks the gateway run.
    d.record("b", S503);
    d.record("b", S500);
    assertThat(d.record("b", S503)).isEmpty();

    OutlierDetector defaults = detector(OutlierDetectionConfig.DEFAULT, "a", "b");
    for (int i = 0; i < 4; i++) {
      assertThat(defaults.record("a", S503)).isEmpty(); // Envoy enforces gateway failures at 0 % by default
    }
    assertThat(defaults.record("a", S503).orElseThrow().reason()).isEqualTo("consecutive_5xx");
  }

  @Test
  void forgetsRemovedEndpointsAndIgnoresUnknownOnes() {
    OutlierDetector d = detector(config(1, 100), "a", "b");
    d.record("a", S503);
    d.setEndpoints(List.of("b", "c"));
    assertThat(d.isEjected("a")).isFalse();
    assertThat(d.record("zzz", S503)).isEmpty();
    assertThat(d.record("c", S503)).isPresent();
  }

  @Test
  void rejectsInvalidConfig() {
    assertThatThrownBy(() -> new OutlierDetectionConfig(0, 100, 5, 0, Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofSeconds(1), 10)).hasMessageContaining(">= 1");
    assertThatThrownBy(() -> new OutlierDetectionConfig(5, 100, 5, 0, Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofSeconds(1), 110)).hasMessageContaining("max_ejection_percent");
  }
}
