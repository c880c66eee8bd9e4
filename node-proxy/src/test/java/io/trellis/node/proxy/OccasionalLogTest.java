package io.trellis.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A flood of one event becomes one line per interval per key, each saying how many were left out. */
class OccasionalLogTest {

    @Test
    void firstThenOncePerIntervalWithTheSuppressedCount() {
        AtomicLong now = new AtomicLong(1_000);
        OccasionalLog log = new OccasionalLog(Duration.ofSeconds(60), now::get);
        assertThat(log.admit("pod-a\u0000limit")).isZero();
        for (int i = 0; i < 9_999; i++) {
            assertThat(log.admit("pod-a\u0000limit")).isEqualTo(-1);
        }
        assertThat(log.admit("pod-b\u0000limit")).as("another key has its own window").isZero();
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(log.admit("pod-a\u0000limit")).isEqualTo(9_999);
        assertThat(log.admit("pod-a\u0000limit")).isEqualTo(-1);
        log.forget("pod-a\u0000");
        assertThat(log.admit("pod-a\u0000limit")).as("a forgotten key starts over").isZero();
    }
}
