package io.trellis.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 8: "Endpoint pod killed: removed or ejected within a bounded time; report it". */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class EndpointKillFaultTest {

    @Test
    void aKilledEndpointIsRemovedAndTheServiceStopsFailing() {
        FaultTests.assumeLab();
        try (MeshLab mesh = FaultLab.standardMesh()) {
            ScenarioResult r = EndpointKillScenario.run(mesh, Duration.ofSeconds(1),
                    FaultTests.duration(Duration.ofSeconds(5), Duration.ofMinutes(1)), LoadShape.DEFAULT);
            ReliabilityReport.forTests().add(r);
            assertThat(r.corrupted()).as(r.notes()).isZero();
            assertThat(r.recoveryMillis()).as("the service stopped failing: " + r.notes()).isNotNull();
            assertThat(r.notes()).contains("transfers started after that: ok=");
            assertThat(r.notes()).containsPattern("transfers started after that: ok=\\d+ failed=0 ");
        }
    }
}
