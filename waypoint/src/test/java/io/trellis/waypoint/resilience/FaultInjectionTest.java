package io.trellis.waypoint.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FaultInjectionTest {

  @Test
  void delaysAndAbortsTheConfiguredSharesIndependently() {
    FaultInjection f = new FaultInjection(new FaultInjection.Delay(Duration.ofMillis(100), 200_000),
        new FaultInjection.Abort(503, null, 100_000));
    SplittableRandom random = new SplittableRandom(4);
    int delayed = 0;
    int aborted = 0;
    int both = 0;
    for (int i = 0; i < 10_000; i++) {
      FaultInjection.Injected inj = f.draw(random);
      boolean d = !inj.delay().isZero();
      boolean a = inj.abort() != null;
      delayed += d ? 1 : 0;
      aborted += a ? 1 : 0;
      both += d && a ? 1 : 0;
      if (d) {
        assertThat(inj.delay()).isEqualTo(Duration.ofMillis(100));
      }
    }
    assertThat(delayed / 10_000.0).isCloseTo(0.2, within(0.02));
    assertThat(aborted / 10_000.0).isCloseTo(0.1, within(0.02));
    assertThat(both / 10_000.0).isCloseTo(0.02, within(0.01));
  }

  @Test
  void noFaultsMeansNothingInjected() {
    assertThat(new FaultInjection(null, null).draw(new SplittableRandom(1))).isSameAs(FaultInjection.Injected.NONE);
    assertThat(new FaultInjection(new FaultInjection.Delay(Duration.ofSeconds(1), 0), null).draw(new SplittableRandom(1)))
        .isSameAs(FaultInjection.Injected.NONE);
  }

  @Test
  void rejectsInvalidFaults() {
    assertThatThrownBy(() -> new FaultInjection.Abort(700, null, 1)).hasMessageContaining("[200, 599]");
    assertThatThrownBy(() -> new FaultInjection.Abort(200, 17, 1)).hasMessageContaining("grpc-status");
    assertThatThrownBy(() -> new FaultInjection.Delay(Duration.ofSeconds(-1), 1)).hasMessageContaining("duration");
  }
}
