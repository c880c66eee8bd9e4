package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Counting a transfer log: totals, failures by kind, windows, and when the path was healthy again. */
class LoadTallyTest {

    private static Transfer ok(long start) {
        return new Transfer(start, start + 10, true, 2048, "ok");
    }

    private static Transfer fail(long start, String why) {
        return new Transfer(start, start + 5000, false, 0, why);
    }

    @Test
    void logLinesRoundTripAndGarbageIsRefusedWithTheLine() {
        Transfer t = fail(1000, "timeout");
        assertThat(Transfer.parse(t.format())).isEqualTo(t);
        assertThatThrownBy(() -> Transfer.parse("1000 1010 maybe 0 x")).hasMessageContaining("1000 1010 maybe 0 x");
        assertThatThrownBy(() -> Transfer.parse("1000 abc ok 0 ok")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsOkFailedCorruptedAndBytes() {
        LoadTally t = LoadTally.of(List.of(ok(0), ok(100), fail(200, "reset"), fail(300, "reset"),
                new Transfer(400, 410, false, 0, Transfer.CORRUPTED)));
        assertThat(t.ok()).isEqualTo(2);
        assertThat(t.failed()).isEqualTo(3);
        assertThat(t.corrupted()).isEqualTo(1);
        assertThat(t.verifiedBytes()).isEqualTo(4096);
        assertThat(t.failuresByKind()).containsEntry("reset", 2L).containsEntry("corrupted", 1L);
    }

    @Test
    void healthyFromIsTheFirstSuccessAfterTheLastFailure() {
        LoadTally t = LoadTally.of(List.of(ok(0), fail(1000, "timeout"), ok(1500), fail(2000, "timeout"), ok(2500),
                ok(3000)));
        assertThat(t.healthyFrom(900)).hasValue(2500);
        assertThat(t.healthyFrom(2600)).hasValue(3000);
        assertThat(LoadTally.of(List.of(ok(0), fail(100, "reset"))).healthyFrom(0)).isEmpty();
        assertThat(t.startedBetween(1000, 2001).total()).isEqualTo(3);
        assertThat(t.firstFailureStart()).hasValue(1000);
        assertThat(t.lastFailureEnd()).hasValue(7000);
    }
}
