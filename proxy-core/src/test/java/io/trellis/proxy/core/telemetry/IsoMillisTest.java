package io.trellis.proxy.core.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsoMillisTest {

    @Test
    void startTimesMatchInstantToString() {
        IsoMillis clock = new IsoMillis();
        SplittableRandom random = new SplittableRandom(7);
        long[] edges = {0, 1, -1, 999, 1000, -1000, -62_167_219_200_000L, -62_167_219_200_001L, 253_402_300_799_999L,
            253_402_300_800_000L, 951_782_400_000L, 4_107_542_399_990L, Long.MAX_VALUE / 1000, Long.MIN_VALUE / 1000};
        for (long millis : edges) {
            assertStartTime(clock, millis);
        }
        for (int i = 0; i < 20_000; i++) {
            long millis = i % 2 == 0 ? random.nextLong(-80_000_000_000_000L, 300_000_000_000_000L)
                    : 1_795_671_613_000L + random.nextLong(0, 5_000);
            assertStartTime(clock, millis);
        }
    }

    private static void assertStartTime(IsoMillis clock, long millis) {
        StringBuilder b = new StringBuilder();
        clock.append(b, millis);
        assertThat(b.toString()).as("millis %d", millis).isEqualTo(Instant.ofEpochMilli(millis).toString());
    }
}
