package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 8: "Partition between two nodes (drop on the underlay) and heal: timeouts, then recovery, nothing corrupted". */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PartitionFaultTest {

    @Test
    void transfersTimeOutDuringAPartitionAndRecoverAfterTheHealWithNothingCorrupted() {
        FaultTests.assumeLab();
        Duration cut = FaultTests.duration(Duration.ofSeconds(10), Duration.ofMinutes(2));
        try (MeshLab mesh = FaultLab.standardMesh()) {
            ScenarioResult r = PartitionScenario.run(mesh, cut, LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.corrupted()).as(r.notes()).isZero();
            assertThat(r.failed()).as("the partition was felt: " + r.notes()).isPositive();
            assertThat(r.recoveryMillis()).as("recovered after the heal: " + r.notes()).isNotNull();
        }
    }
}
