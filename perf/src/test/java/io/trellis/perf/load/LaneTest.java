package io.trellis.perf.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scheduling and latency accounting of the open loop, driven by a fake clock and a fake target. */
class LaneTest {

    private static final long MS = 1_000_000L;

    /** A fake clock and a fake target that answers when the test says so. */
    private static final class FakeTarget implements RequestSender {
        long now;
        final ArrayDeque<Long> sent = new ArrayDeque<>();
        Lane lane;

        @Override
        public void send(long intendedNanos) {
            sent.add(intendedNanos);
        }

        @Override
        public void bind(Lane lane) {
            this.lane = lane;
        }

        void answerOldest() {
            lane.completed(sent.removeFirst(), true);
        }
    }

    @Test
    void aStalledTargetShowsUpAsLatencyForEveryRequestScheduledDuringTheStall() {
        FakeTarget target = new FakeTarget();
        LoadStats stats = new LoadStats(0);
        target.lane = new Lane(target, stats, () -> target.now, 1, 10_000);
        // 1,000 rps for 2 s: one request per ms.
        OpenLoopDriver driver = new OpenLoopDriver(new Arrivals.Uniform(1000), List.of(target.lane), 0, 2000 * MS);

        // First second: the target answers each request 100 µs after it was due.
        for (long t = 0; t < 1000 * MS; t += MS) {
            target.now = t;
            driver.tick(t);
            target.now = t + MS / 10;
            target.answerOldest();
        }
        // Then it stalls for one second: requests keep being scheduled and queue up behind the first.
        for (long t = 1000 * MS; t < 2000 * MS; t += MS) {
            target.now = t;
            driver.tick(t);
        }
        assertThat(target.sent).hasSize(1);
        assertThat(stats.peakBacklog()).isEqualTo(999);
        // At t = 2 s it recovers and answers everything at once.
        target.now = 2000 * MS;
        while (!target.sent.isEmpty()) {
            target.answerOldest();
        }

        assertThat(stats.scheduled()).isEqualTo(2000);
        assertThat(stats.completed()).isEqualTo(2000);
        var histogram = stats.latencyMicros();
        // Half the requests were due during the stall; each waited from its intended time to 2 s,
        // so latencies spread evenly from ~1 s down to ~1 ms and the median is ~1 ms at most...
        assertThat(histogram.getValueAtPercentile(50)).isBetween(90L, 1_001L);
        // ...but the tail is the stall: the first request scheduled in it waited the whole second.
        assertThat(histogram.getMaxValue()).isBetween(999_000L, 1_001_000L);
        assertThat(histogram.getValueAtPercentile(75)).isBetween(495_000L, 505_000L);
        // A closed-loop client would have recorded one slow request; here 500 exceed half a second.
        assertThat(histogram.getCountBetweenValues(500_000, 1_001_000)).isBetween(499L, 501L);
    }

    @Test
    void aFullBacklogCountsOverflowInsteadOfDroppingSilently() {
        FakeTarget target = new FakeTarget();
        LoadStats stats = new LoadStats(0);
        target.lane = new Lane(target, stats, () -> target.now, 1, 3);
        for (int i = 0; i < 10; i++) {
            target.lane.arrive(i * MS);
        }
        assertThat(target.sent).hasSize(1);
        assertThat(stats.scheduled()).isEqualTo(10);
        assertThat(stats.overflowed()).isEqualTo(6);
        assertThat(target.lane.outstanding()).isEqualTo(4);
        assertThat(stats.peakBacklog()).isEqualTo(3);
    }

    @Test
    void severalStreamsMayBeInFlightAndALostConnectionFailsWhatItCarried() {
        FakeTarget target = new FakeTarget();
        LoadStats stats = new LoadStats(0);
        target.lane = new Lane(target, stats, () -> target.now, 4, 100);
        for (int i = 0; i < 6; i++) {
            target.lane.arrive(i * MS);
        }
        assertThat(target.sent).hasSize(4);
        target.now = 10 * MS;
        target.answerOldest();
        assertThat(target.sent).hasSize(4);
        assertThat(target.lane.backlogSize()).isEqualTo(1);

        target.lane.connectionLost();
        target.lane.arrive(20 * MS);
        assertThat(stats.completed()).isEqualTo(1);
        assertThat(stats.errors()).isEqualTo(4 + 1 + 1);
        assertThat(stats.scheduled()).isEqualTo(7);
    }

    @Test
    void warmupRequestsCompleteButAreNotRecorded() {
        FakeTarget target = new FakeTarget();
        LoadStats stats = new LoadStats(5 * MS);
        target.lane = new Lane(target, stats, () -> target.now, 1, 10);
        for (long t = 0; t < 10 * MS; t += MS) {
            target.now = t;
            target.lane.arrive(t);
            target.now = t + 2_000;
            target.answerOldest();
        }
        assertThat(stats.warmupCompleted()).isEqualTo(5);
        assertThat(stats.completed()).isEqualTo(5);
        assertThat(stats.latencyMicros().getMaxValue()).isEqualTo(2);
    }

    @Test
    void aLateTimerSendsTheMissedArrivalsWithTheirOriginalIntendedTimes() {
        FakeTarget target = new FakeTarget();
        LoadStats stats = new LoadStats(0);
        Lane a = new Lane(target, stats, () -> target.now, 10, 10);
        Lane b = new Lane(target, stats, () -> target.now, 10, 10);
        OpenLoopDriver driver = new OpenLoopDriver(new Arrivals.Uniform(1000), List.of(a, b), 0, 10 * MS);
        assertThat(driver.tick(0)).isEqualTo(MS);
        // The timer fires 4.5 ms late: arrivals due at 1, 2, 3, 4 and 5 ms all go out now.
        assertThat(driver.tick(5 * MS + MS / 2)).isEqualTo(6 * MS);
        assertThat(target.sent).containsExactly(0L, MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS);
        assertThat(a.outstanding()).isEqualTo(3);
        assertThat(b.outstanding()).isEqualTo(3);
        assertThat(driver.tick(20 * MS)).isEqualTo(Long.MIN_VALUE);
        assertThat(stats.scheduled()).isEqualTo(10);
    }
}
