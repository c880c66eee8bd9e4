package io.trellis.controller.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebouncerTest {

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<Long> fired = new ArrayList<>();
    private final Debouncer debouncer = new Debouncer(scheduler, Duration.ofMillis(100), Duration.ofSeconds(1),
            fired::add);

    @Test
    void firesOnceAfterTheQuietPeriod() {
        long start = scheduler.nanoTime();
        debouncer.trigger();
        scheduler.advance(Duration.ofMillis(50));
        debouncer.trigger();
        scheduler.advance(Duration.ofMillis(99));
        assertThat(fired).isEmpty();

        scheduler.advance(Duration.ofMillis(1));
        assertThat(fired).containsExactly(start);
    }

    @Test
    void steadyChangesFireAtTheMaxDelay() {
        long start = scheduler.nanoTime();
        for (int i = 0; i < 30; i++) {
            debouncer.trigger();
            scheduler.advance(Duration.ofMillis(50));
        }
        // 1.5 s of changes 50 ms apart: one push at 1 s, the rest pending
        assertThat(fired).containsExactly(start);
        scheduler.advance(Duration.ofMillis(100));
        assertThat(fired).hasSize(2);
    }

    @Test
    void separateBurstsFireSeparately() {
        debouncer.trigger();
        scheduler.advance(Duration.ofMillis(200));
        debouncer.trigger();
        scheduler.advance(Duration.ofMillis(200));

        assertThat(fired).hasSize(2);
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void rejectsMaxDelayBelowQuiet() {
        assertThatThrownBy(() -> new Debouncer(scheduler, Duration.ofSeconds(2), Duration.ofSeconds(1), t -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
