package io.trellis.waypoint.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class XdsBackoffTest {

    private final XdsBackoff backoff = new XdsBackoff(Duration.ofMillis(500), Duration.ofSeconds(30));

    @Test
    void delaysDoubleUpToTheCapEachDrawnFromTheUpperHalfOfItsStep() {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        long[] steps = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
        for (int attempt = 0; attempt < steps.length; attempt++) {
            for (int i = 0; i < 200; i++) {
                long ms = backoff.delay(attempt, random).toMillis();
                assertThat(ms).as("attempt %d", attempt).isBetween(steps[attempt] / 2, steps[attempt]);
            }
        }
    }

    @Test
    void delaysAreJitteredSoRestartedWaypointsDoNotReconnectTogether() {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        Set<Duration> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            seen.add(backoff.delay(3, random));
        }
        assertThat(seen.size()).isGreaterThan(40);
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new XdsBackoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 < initial <= max");
        assertThatThrownBy(() -> new XdsBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
