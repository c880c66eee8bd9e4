package io.trellis.perf.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A small run of the controller's scale benchmark through the real push pipeline (numbers meaningless). */
class ControllerScaleBenchmarkTest {

    @Test
    void recordsOnlyTheRoundsAfterTheWarmUpAndReportsThem() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ControllerScaleBenchmark.Parameters p = new ControllerScaleBenchmark.Parameters(200, 10, 20, 6, 2, 2);

        ControllerScaleResult r = new ControllerScaleBenchmark(p, new PrintStream(log, true, StandardCharsets.UTF_8))
                .run();

        assertThat(r.oneEndpointChange().rounds()).isEqualTo(4);
        assertThat(r.nodeFailure().rounds()).isEqualTo(2);
        // every proxy subscribes to every type, so the initial sync carries all 210 resources to each proxy and a
        // change only the one changed workload
        assertThat(r.initialSyncBytes()).isPositive();
        assertThat(r.oneEndpointChangeBytes() / p.proxies()).as("one changed workload per proxy per round")
                .isPositive().isLessThan(r.initialSyncBytes() / p.proxies() / 50);
        // change-to-ACK includes the debounce quiet period (100 ms)
        assertThat(r.oneEndpointChange().allAckedP50Ms()).isGreaterThanOrEqualTo(100.0);
        assertThat(r.oneEndpointChange().allAckedMaxMs()).isGreaterThanOrEqualTo(r.oneEndpointChange().allAckedP99Ms());
        assertThat(r.toMarkdown()).contains("(4 rounds)", "follow 2 unrecorded ones");
    }

    @Test
    void refusesFewerRoundsThanWarmUpRounds() {
        assertThatThrownBy(() -> new ControllerScaleBenchmark.Parameters(200, 10, 20, 2, 2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rounds > warmup rounds");
    }
}
