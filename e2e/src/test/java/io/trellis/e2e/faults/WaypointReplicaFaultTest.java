package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 8: "Waypoint with two replicas, one killed: no failures beyond the requests in flight on it". */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class WaypointReplicaFaultTest {

    @Test
    void killingOneOfTwoWaypointReplicasFailsOnlyTheTransfersInFlightOnIt() {
        FaultTests.assumeLab();
        try (MeshLab mesh = MeshLab.start(WaypointReplicaScenario.options())) {
            ScenarioResult r = WaypointReplicaScenario.run(mesh,
                    FaultTests.duration(Duration.ofSeconds(10), Duration.ofMinutes(2)), LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.corrupted()).as(r.notes()).isZero();
            assertThat(r.notes()).as("both replicas served before the kill")
                    .doesNotContain("had served 0 and").doesNotContain("and 0 requests");
            assertThat(r.notes()).as("no transfer started after the kill failed")
                    .containsPattern("started after it: ok=\\d+ failed=0 ");
            // at most one transfer per worker can be in flight on the killed replica
            assertThat(r.failed()).as(r.notes()).isLessThanOrEqualTo(LoadShape.DEFAULT.workers());
        }
    }
}
