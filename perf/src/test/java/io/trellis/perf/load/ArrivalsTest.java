package io.trellis.perf.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ArrivalsTest {

    @Test
    void poissonArrivalsHaveTheRequestedMeanRateAndExponentialSpread() {
        Arrivals poisson = new Arrivals.Poisson(5000, 7);
        int n = 200_000;
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            double gap = poisson.nextGapNanos();
            sum += gap;
            sumSquares += gap * gap;
        }
        double mean = sum / n;
        double stddev = Math.sqrt(sumSquares / n - mean * mean);
        // Mean gap 200 µs (5,000 rps); an exponential distribution's deviation equals its mean.
        assertThat(mean).isCloseTo(200_000, within(2_000.0));
        assertThat(stddev).isCloseTo(200_000, within(4_000.0));
    }

    @Test
    void theSameSeedReplaysTheSameSchedule() {
        Arrivals first = new Arrivals.Poisson(1000, 99);
        Arrivals again = first.copy();
        for (int i = 0; i < 100; i++) {
            assertThat(again.nextGapNanos()).isEqualTo(first.nextGapNanos());
        }
    }

    @Test
    void uniformArrivalsDoNotDriftOnFractionalGaps() {
        Arrivals uniform = new Arrivals.Uniform(3000);
        long total = 0;
        for (int i = 0; i < 3000; i++) {
            total += uniform.nextGapNanos();
        }
        assertThat(total).isBetween(999_999_999L, 1_000_000_000L);
    }

    @Test
    void aNonPositiveRateIsRejected() {
        assertThatThrownBy(() -> Arrivals.of(Arrivals.Kind.POISSON, 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate must be positive");
    }
}
